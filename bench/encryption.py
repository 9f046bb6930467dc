"""How long sealing the demo's names and report records takes, beside serialising them plainly.

Prints the figures for 6,000 names and 6,000 payloads; the last line is a JSON object.
    .venv/bin/python bench/encryption.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from dozor.demo.generator import demo_generate
from dozor.security.crypto import KeyRing, key_generate

ROUNDS = 5


def timed(work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    dataset = demo_generate(size=3000, seed=2008)
    names = [p.name or "Имя" for i in dataset.incidents for p in i.persons][:6000]
    names += names[: 6000 - len(names)]
    payloads = [json.dumps(r.raw, ensure_ascii=False) for r in dataset.reports][:6000]
    payloads += payloads[: 6000 - len(payloads)]
    ring = KeyRing(key_generate())

    def baseline() -> None:
        for text in names + payloads:
            text.encode()

    def seal() -> None:
        for name in names:
            ring.seal(name.encode(), label="records.PersonInvolvement.name")
            ring.blind(name)
            ring.search_tokens("records.PersonInvolvement.name", name, prefixes=True)
        for payload in payloads:
            ring.seal(payload.encode(), label="records.Report.payload")

    base, sealed = timed(baseline), timed(seal)
    figures = {
        "values": len(names) + len(payloads),
        "baseline_encode_median_s": round(statistics.median(base), 4),
        "seal_and_index_median_s": round(statistics.median(sealed), 4),
        "seal_and_index_max_s": round(max(sealed), 4),
        "per_value_us": round(statistics.median(sealed) / (len(names) + len(payloads)) * 1e6, 1),
    }
    print(f"baseline (encode only): {figures['baseline_encode_median_s']} s median")
    print(
        f"seal {len(names)} names with blind indexes + {len(payloads)} payloads: "
        f"{figures['seal_and_index_median_s']} s median, {figures['seal_and_index_max_s']} s max"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
