# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""The demo's evidence files: a medical certificate, a police refusal letter and a phone photo
with the place it was taken, made up for the demo's invented people. Plain Python, no Django.

Each document says on its face that it is synthetic, and every clinic, officer and number in it
is invented. The photo is a plain drawing, not a picture of anyone; its EXIF carries a GPS
position, a device and a time, as a phone's would, so that the evidence pages have metadata to
show and to strip. The files are small (a few kilobytes each) and made once per process for the
same arguments, so that the demo builds and its tests stay fast.
"""

from __future__ import annotations

import datetime
import functools
import html
import io

from PIL import Image, ImageDraw

from dozor.lib.pdf import html_to_pdf

SYNTHETIC = "ДЕМО: вымышленный документ, созданный Dozor для демонстрации. Все лица вымышлены."
CLINIC = "ГБУЗ «Городская клиническая больница № 77» (вымышленная)"
DEVICE_MAKE = "DemoPhone"
DEVICE_MODEL = "DP-1 (synthetic)"
# Where the photo "was taken": a city centre of the incident's region (the demo's regions).
REGION_CENTRES = {
    "RU-MOW": (55.7558, 37.6173),
    "RU-SPE": (59.9386, 30.3141),
    "RU-SVE": (56.8389, 60.6057),
    "RU-NIZ": (56.3269, 44.0059),
    "RU-KDA": (45.0355, 38.9753),
    "RU-VOR": (51.6720, 39.1843),
    "RU-NVS": (55.0084, 82.9357),
}
DEFAULT_CENTRE = REGION_CENTRES["RU-MOW"]
ORIENTATION = 0x0112
DATETIME_ORIGINAL = 0x9003
MAKE = 0x010F
MODEL = 0x0110
EXIF_IFD = 0x8769
GPS_IFD = 0x8825

_PAGE_STYLE = """
@page { size: A5; margin: 14mm; }
body { font-family: 'DejaVu Serif', serif; font-size: 10.5pt; }
h1 { font-size: 13pt; text-align: center; margin: 6mm 0; }
.header { text-align: center; font-size: 9pt; }
.synthetic { border: 1px solid #a00; color: #a00; padding: 2mm; font-size: 8.5pt; }
.sign { margin-top: 10mm; }
"""


def _pdf(body: str) -> bytes:
    page = (
        f'<html lang="ru"><head><meta charset="utf-8"><style>{_PAGE_STYLE}</style></head>'
        f'<body><p class="synthetic">{html.escape(SYNTHETIC)}</p>{body}</body></html>'
    )
    # The page names no file: nothing is read from the disk or the network.
    return html_to_pdf(page, resolve=lambda url: None)


@functools.lru_cache(maxsize=8)
def medical_certificate(
    *, patient: str, age: int | None, examined_on: datetime.date, locality: str
) -> bytes:
    """A trauma unit's certificate of the injuries of the demo's victim, as a one-page PDF."""
    age_text = f", возраст {age}" if age else ""
    return _pdf(
        f'<p class="header">{html.escape(CLINIC)}<br>Травматологический пункт, '
        f"{html.escape(locality or 'г. Москва')}</p>"
        "<h1>Справка № 0412-Д</h1>"
        f"<p>Выдана {html.escape(patient)}{age_text} в том, что {examined_on:%d.%m.%Y} "
        "он(а) обратился(ась) в травматологический пункт.</p>"
        "<p>Диагноз: ушибы мягких тканей лица и грудной клетки, ссадины обеих кистей, "
        "закрытая черепно-мозговая травма (сотрясение головного мозга).</p>"
        "<p>Со слов пострадавшего(ей): избит(а) неизвестными на улице.</p>"
        "<p>Рекомендовано: амбулаторное лечение у невролога.</p>"
        '<p class="sign">Врач-травматолог: Петров-Демо А. А. (вымышленный)</p>'
    )


@functools.lru_cache(maxsize=8)
def refusal_letter(
    *, applicant: str, decided_on: datetime.date, authority: str, locality: str
) -> bytes:
    """A police decision refusing to open a criminal case, as a one-page PDF."""
    return _pdf(
        f'<p class="header">{html.escape(authority)}</p>'
        "<h1>Постановление об отказе в возбуждении уголовного дела</h1>"
        f"<p>{html.escape(locality or 'г. Москва')}, {decided_on:%d.%m.%Y}</p>"
        "<p>Участковый уполномоченный полиции, рассмотрев материал проверки по заявлению "
        f"{html.escape(applicant)}, установил: телесные повреждения причинены в ходе конфликта "
        "на почве внезапно возникших личных неприязненных отношений; признаков преступления, "
        "совершённого по мотиву ненависти, не установлено.</p>"
        "<p>Постановил: в возбуждении уголовного дела отказать по п. 2 ч. 1 ст. 24 УПК РФ "
        "за отсутствием состава преступления.</p>"
        '<p class="sign">УУП лейтенант полиции Сидоров-Демо И. И. (вымышленный)</p>'
    )


def _degrees(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), round((minutes_full - minutes) * 60, 2)


@functools.lru_cache(maxsize=8)
def injury_photo(*, taken: datetime.datetime, region: str) -> bytes:
    """A phone photo of the place of an attack, as a small JPEG: a drawing of a street at
    dusk, with EXIF naming the device, the time and where it was taken (near the centre of
    ``region``), and an orientation that stands it upright as phones do."""
    width, height = 480, 360
    image = Image.new("RGB", (width, height), (52, 60, 84))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, width, height), fill=(70, 70, 74))  # the road
    for left in range(20, width, 110):  # houses with lit windows
        draw.rectangle((left, 110, left + 80, 250), fill=(96, 88, 80))
        for row in range(125, 235, 30):
            draw.rectangle((left + 12, row, left + 30, row + 16), fill=(230, 200, 120))
            draw.rectangle((left + 50, row, left + 68, row + 16), fill=(230, 200, 120))
    draw.text((12, 12), "DEMO - synthetic photo", fill=(255, 255, 255))
    latitude, longitude = REGION_CENTRES.get(region, DEFAULT_CENTRE)
    exif = Image.Exif()
    exif[MAKE] = DEVICE_MAKE
    exif[MODEL] = DEVICE_MODEL
    exif[ORIENTATION] = 1
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = f"{taken:%Y:%m:%d %H:%M:%S}"
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N" if latitude >= 0 else "S",
            2: _degrees(abs(latitude)),
            3: "E" if longitude >= 0 else "W",
            4: _degrees(abs(longitude)),
        }
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif)
    return out.getvalue()
