"""Who a person named in a Russian text is to the story: the one harmed, the one who harmed, or
someone else (an official, a lawyer, a witness quoted), read from natasha's syntax parse.

slovnet's parser gives each word its head and relation. A name is followed up through the words
it stands beside ("уроженца Дагестана Магомеда Алиева": an apposition to "уроженца") to the word
that governs it, and that word decides: the object of a verb of violence ("напали на X",
"избили X") or the subject of a verb of harm ("X скончался") is harmed; the subject of a verb of
violence ("X зарезал троих") harmed; a name beside an office ("следователь X", "глава СКР X") or
the subject of a verb of speech ("сообщил X") is neither. What the parse does not settle falls
back to the role words before the name (dozor.analysis.text.names).

Each reading keeps the word that showed it, so a reviewer sees why.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

from dozor.analysis.text.morphology import analyzer, fold, lemmas

VICTIM = "victim"
PERPETRATOR = "perpetrator"
OTHER = "other"

# Beginnings of the dictionary forms (lemmas) of the words that decide a role.
VIOLENCE_VERBS = (
    "напасть",
    "нападать",
    "избить",
    "избивать",
    "убить",
    "убивать",
    "зарезать",
    "застрелить",
    "ударить",
    "ранить",
    "атаковать",
    "пырнуть",
    "задушить",
    "поджечь",
    "похитить",
    "порезать",
    "забить",
    "избиение",
    "убийство",
    "нападение",
    "покушение",
    "расправиться",
    "зарубить",
    "изувечить",
    "искалечить",
    "облить",
    "толкнуть",
    "сбить",
)
HARM_VERBS = (
    "погибнуть",
    "умереть",
    "скончаться",
    "пострадать",
    "госпитализировать",
    "ранить",
    "избить",
    "убить",
    "зарезать",
    "застрелить",
    "доставить",
    "оказаться",
    "гибель",
    "смерть",
)
SPEECH_VERBS = (
    "сообщить",
    "рассказать",
    "заявить",
    "отметить",
    "сказать",
    "подчеркнуть",
    "пояснить",
    "уточнить",
    "добавить",
    "считать",
    "поручить",
    "возбудить",
    "прокомментировать",
    "написать",
    "назвать",
    "подтвердить",
    "призвать",
    "обратиться",
    "требовать",
    "потребовать",
    "говорить",
    "объяснить",
    "выразить",
    "попросить",
    "направить",
    "напомнить",
)
# The one the police or a court acts on is the suspect: "задержала ... Романа Лапина",
# "приговорил ... Сергея Киселёва", "обвинение предъявлено ... Артёму Лыкову".
LEGAL_VERBS = (
    "задержать",
    "задерживать",
    "арестовать",
    "приговорить",
    "осудить",
    "обвинить",
    "предъявить",
    "установить",
    "опознать",
    "разыскивать",
    "объявить",
)
OFFICE_NOUNS = (
    "следователь",
    "глава",
    "адвокат",
    "советник",
    "соучредитель",
    "учредитель",
    "основатель",
    "правозащитник",
    "правозащитница",
    "пресс-секретарь",
    "представитель",
    "представительница",
    "прокурор",
    "судья",
    "депутат",
    "политик",
    "губернатор",
    "министр",
    "директор",
    "председатель",
    "начальник",
    "руководитель",
    "эксперт",
    "юрист",
    "координатор",
    "омбудсмен",
    "уполномоченный",
    "спикер",
    "мэр",
    "врио",
    "замглавы",
    "заместитель",
    "сотрудник",
    "полицейский",
    "аналитик",
    "ректор",
    "декан",
    "настоятель",
    "протоиерей",
    "священник",
    "имам",
    "муфтий",
    "раввин",
    "заведующий",
    "президент",
    "организатор",
    "коллега",
    "очевидец",
    "свидетель",
)
# Participles and nouns by the beginnings of their forms: pymorphy3 gives a participle's verb
# as its lemma ("пострадавшая" -> "пострадать").
VICTIM_NOUNS = ("пострадавш", "потерпевш", "погибш", "жертв", "убит", "ранен", "избит")
PERPETRATOR_NOUNS = (
    "подозреваем",
    "обвиняем",
    "нападавш",
    "убийц",
    "задержанн",
    "фигурант",
    "осужденн",
    "подсудим",
)
INJURIES = (
    "травма",
    "ранение",
    "увечье",
    "перелом",
    "сотрясение",
    "ожог",
    "повреждение",
    "побои",
    "больница",
    "реанимация",
    # "получила угрозы": threatened, the one the threat was made against.
    "угроза",
)
# Those the police detain for what they do in public, not as suspects of an attack: "задержала
# активистку X" is the incident itself (a detention), and X is its victim.
ACTIVIST_NOUNS = (
    "активист",
    "активистка",
    "правозащитник",
    "правозащитница",
    "журналист",
    "журналистка",
    "пикетчик",
    "пикетчица",
    "участник",
    "участница",
)
# "нашли тело X": X is dead.
BODY_NOUNS = ("тело", "труп")
# Passing up through these relations keeps the same person ("Иван Петров", "Ивана и Анну",
# "уроженца Дагестана Магомеда").
SAME_PERSON = ("appos", "flat:name", "flat", "conj")
SUBJECT = ("nsubj", "nsubj:pass")
OBJECT = ("obj", "obl", "iobj", "nmod")


@dataclass(frozen=True)
class RoleReading:
    role: str  # victim, perpetrator, other, or "" when the parse does not settle it
    start: int  # the word that showed the role, as character offsets in the text
    end: int
    word: str
    subject: bool  # the name stands as a subject: it is written in the nominative
    gender: str | None = None  # "femn" or "masc" from a word that agrees with the name


def _is(word: str, stems: tuple[str, ...]) -> bool:
    return any(lemma in stems for lemma in lemmas(word))


@functools.cache
def embedding() -> Any:
    """navec's news embeddings, loaded once for the name tagger and the parser."""
    # natasha is heavy to import; only Russian texts need it. The embeddings and the models'
    # weights ship inside the navec and slovnet packages.
    from natasha import NewsEmbedding

    return NewsEmbedding()


@functools.cache
def _parser() -> Any:
    # natasha is heavy to import; only Russian texts need its parser.
    from natasha import NewsSyntaxParser

    return NewsSyntaxParser(embedding())


def parse_sentences(doc: Any) -> None:
    """Parse the syntax of the document's sentences that hold a person's name, and no others:
    the rest do not decide a role, and parsing them would only cost time."""
    wanted = [sent for sent in doc.sents if any(span.type == "PER" for span in sent.spans)]
    if not wanted:
        return
    parser = _parser()
    for sent, markup in zip(
        wanted, parser.map([[token.text for token in sent.tokens] for sent in wanted]), strict=True
    ):
        for token, parsed in zip(sent.tokens, markup.tokens, strict=True):
            token.id, token.head_id, token.rel = parsed.id, parsed.head_id, parsed.rel


def _reading(token: Any, role: str, *, subject: bool) -> RoleReading:
    return RoleReading(role, token.start, token.stop, token.text, subject)


def read_role(sent: Any, span: Any) -> RoleReading | None:
    """The role of the person named by ``span`` in the parsed sentence; its role is "" when the
    parse does not show one, and the reading is None when the name was not parsed at all."""
    tokens = {token.id: token for token in sent.tokens if getattr(token, "id", None)}
    inside = {t.id for t in sent.tokens if span.start <= t.start and t.stop <= span.stop}
    heads = [tokens[i] for i in inside if tokens[i].head_id not in inside]
    if not heads:
        return None
    node = min(heads, key=lambda token: token.start)
    subject = False
    # An office ("правозащитницу Марину ...") makes its bearer someone other than a victim
    # unless the office itself is what was attacked ("избил правозащитницу").
    office: RoleReading | None = None
    gender: str | None = None
    activist = False
    for _step in range(6):
        head = tokens.get(node.head_id)
        rel = node.rel or ""
        subject = subject or rel in SUBJECT
        if node.id not in inside:
            gender = gender or _gender(node.text)
            activist = activist or _is(node.text, ACTIVIST_NOUNS)
            found = _noun_role(node, subject=subject)
            if found is not None and found.role != OTHER:
                return found
            office = office or found
        if head is None:
            break
        if rel in SAME_PERSON or (rel == "nmod" and _apposition(sent, head, node)):
            node = head
            continue
        if rel in SUBJECT:
            gender = gender or _gender(head.text)
        found = _head_role(sent, node, head, subject=subject, activist=activist)
        if found is not None and (office is None or found.role == VICTIM):
            return replace(found, gender=gender)
        break
    if office is not None:
        return replace(office, gender=gender)
    return RoleReading("", span.start, span.stop, span.text, subject, gender)


def _head_role(
    sent: Any, node: Any, head: Any, *, subject: bool, activist: bool
) -> RoleReading | None:
    """The role the word governing the name (a verb, mostly) gives it, or None."""
    rel = node.rel or ""
    found = _governed(node, head, rel, subject=subject)
    if rel in SUBJECT and _is(head.text, LINKING_VERBS):
        # "Задержанным оказался Олег Пантелеев": the noun the verb links the name to.
        found = _linked_noun_role(sent, head, subject=subject) or found
    if found is None and rel in SUBJECT and _injury_after(sent, head):
        found = _reading(head, VICTIM, subject=True)
    if found is None and rel == "nsubj" and _opens_fire(sent, head):
        found = _reading(head, PERPETRATOR, subject=True)
    if found is not None and activist and rel in OBJECT and _is(head.text, LEGAL_VERBS):
        found = replace(found, role=VICTIM)
    return found


def _gender(word: str) -> str | None:
    """The gender a word shows when it agrees with a name: "правозащитницу", "рассказала"."""
    parse = analyzer().parse(word)[0]
    if "sing" not in parse.tag or parse.tag.gender not in ("masc", "femn"):
        return None
    if parse.tag.POS in ("VERB", "PRTS", "PRTF", "ADJF") and parse.tag.gender == "femn":
        # A verb or participle in the feminine says so; the masculine is also the default.
        return "femn"
    if parse.tag.POS == "NOUN" and "anim" in parse.tag and parse.tag.gender == "femn":
        return "femn"
    return None


def _apposition(sent: Any, head: Any, node: Any) -> bool:
    """The parser now and then reads "Пострадавшая Заура Тутова" as "the victim of Заур
    Тутов": a noun right before a name, in the same case, stands beside it ("адвокат Ивана" is
    Иван's lawyer: the cases differ)."""
    before = [t for t in sent.tokens if t.stop <= node.start]
    if not before or before[-1] is not head:
        return False
    cases = {"nomn", "gent", "datv", "accs", "ablt", "loct"}
    head_cases = {c for p in analyzer().parse(head.text) for c in cases & set(p.tag.grammemes)}
    name_cases = {c for p in analyzer().parse(node.text) for c in cases & set(p.tag.grammemes)}
    # The head's likeliest case, so that "адвокат" (nominative, or accusative like it) does not
    # agree with the genitive "Ивана" through a rare reading.
    likeliest = analyzer().parse(head.text)[0].tag.case
    return bool(head_cases & name_cases) and likeliest in name_cases


def _injury_after(sent: Any, verb: Any) -> bool:
    """ "X получил(а) травмы", "X оказался в больнице": an injury in the words after the verb."""
    if not _is(verb.text, ("получить", "оказаться", "попасть", "лечиться")):
        return False
    after = [t.text for t in sent.tokens if verb.stop <= t.start < verb.stop + 40]
    return any(_is(word, INJURIES) for word in after)


LINKING_VERBS = ("оказаться", "являться", "стать")


def _linked_noun_role(sent: Any, verb: Any, *, subject: bool) -> RoleReading | None:
    for token in sent.tokens:
        if getattr(token, "head_id", None) == verb.id and token.rel in ("xcomp", "obl", "obj"):
            found = _noun_role(token, subject=subject)
            if found is not None:
                return found
    return None


def _opens_fire(sent: Any, verb: Any) -> bool:
    """ "X открыл стрельбу (огонь)": X shot."""
    if not _is(verb.text, ("открыть",)):
        return False
    after = [t.text for t in sent.tokens if verb.stop <= t.start < verb.stop + 20]
    return any(_is(word, ("стрельба", "огонь")) for word in after)


def _noun_role(token: Any, *, subject: bool) -> RoleReading | None:
    word = token.text
    folded = fold(word)
    if folded.startswith(VICTIM_NOUNS) or _is(word, BODY_NOUNS):
        return _reading(token, VICTIM, subject=subject)
    if folded.startswith(PERPETRATOR_NOUNS):
        return _reading(token, PERPETRATOR, subject=subject)
    if _is(word, OFFICE_NOUNS) or fold(word).startswith(("экс-", "замглав", "вице-")):
        return _reading(token, OTHER, subject=subject)
    return None


def _governed(node: Any, head: Any, rel: str, *, subject: bool) -> RoleReading | None:
    word = head.text
    if rel == "nsubj":
        if _is(word, SPEECH_VERBS):
            return _reading(head, OTHER, subject=True)
        if _is(word, VIOLENCE_VERBS) and not _passive(word):
            return _reading(head, PERPETRATOR, subject=True)
        if _is(word, HARM_VERBS):
            return _reading(head, VICTIM, subject=True)
    if rel == "nsubj:pass" and (_is(word, HARM_VERBS) or _is(word, VIOLENCE_VERBS)):
        return _reading(head, VICTIM, subject=True)
    if rel in OBJECT:
        if _is(word, VIOLENCE_VERBS) or _is(word, BODY_NOUNS):
            return _reading(head, VICTIM, subject=subject)
        if _is(word, LEGAL_VERBS):
            return _reading(head, PERPETRATOR, subject=subject)
        if _is(word, SPEECH_VERBS):
            return None
    return None


def _passive(word: str) -> bool:
    """A short passive participle ("избит", "убита") reads its subject as the one harmed."""
    folded = fold(word)
    return folded.endswith(("ит", "ита", "иты", "ан", "ана", "аны", "ен", "ена", "ены", "ят"))


__all__ = ["OTHER", "PERPETRATOR", "VICTIM", "RoleReading", "parse_sentences", "read_role"]
