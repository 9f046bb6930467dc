"""What the import commands print: a progress line, problems, the summary of an import."""

from __future__ import annotations

from typing import Any

from dozor.intake.remap import KEPT_PROBLEMS, RemapSummary, value_text
from dozor.intake.services import ImportSummary

SHOWN_PROBLEMS = 20


def progress_line(stream: Any) -> Any:
    """A carriage-return progress line on a terminal (or a log stream): rows read so far."""

    def show(done: int, total: int) -> None:
        share = min(done / total, 1.0) if total else 1.0
        stream.write(f"\r  {done:>9,} rows  {share:6.1%}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def problem_text(problem: dict[str, Any]) -> str:
    column = f", column {problem['column']}" if problem["column"] else ""
    return f"row {problem['row']}{column}: {problem['value']!r}: {problem['expected']}"


def summary_text(summary: ImportSummary) -> str:
    lines = [
        f"{'Dry run of' if summary.dry_run else 'Imported'} {summary.file} "
        f"({summary.format}"
        + (f", {summary.encoding}" if summary.encoding else "")
        + (f", delimiter {summary.delimiter!r}" if summary.delimiter else "")
        + f") into “{summary.source_list}” with the mapping “{summary.mapping}”:",
        f"  rows read          {summary.rows}",
        f"  stored             {summary.stored}",
        f"  new revisions      {summary.revised}",
        f"  quarantined        {summary.quarantined}",
        f"  already present    {summary.already_present}",
        f"  repeated in file   {summary.duplicate_in_file}",
        f"  blank lines        {summary.blank_lines}",
    ]
    if summary.batch:
        lines.append(f"  import number      {summary.batch}")
    for shown, problem in enumerate(summary.problems):
        if shown == SHOWN_PROBLEMS:
            lines.append("  … more problems: `dozor quarantine list` shows them all.")
            break
        lines.append(f"  {problem_text(problem)}")
    if summary.dry_run:
        lines.append("Nothing was stored (dry run).")
    return "\n".join(lines)


def remap_problem_text(problem: dict[str, Any]) -> str:
    column = f", column {problem['column']}" if problem.get("column") else ""
    value = f": {problem['value']!r}" if problem.get("value") else ""
    return f"report {problem['external_id']}{column}{value}: {problem['expected']}"


def remap_text(summary: RemapSummary) -> str:
    """What `dozor import --remap` prints: the counts, the first changes, the first problems."""
    lines = [
        f"{'Dry run of a re-read' if summary.dry_run else 'Re-read'} of the rows stored in "
        f"“{summary.source_list}” with the mapping “{summary.mapping}”:",
        f"  reports read                 {summary.reports}",
        f"  new revisions                {summary.revised}",
        f"  unchanged                    {summary.unchanged}",
        f"  not readable, left as is    {summary.unreadable}",
        f"  new revisions in incidents   {summary.joined_incidents}",
        f"  quarantined rows now stored  {summary.quarantine_stored}",
        f"  quarantined rows left        {summary.quarantine_left}",
    ]
    if summary.not_imported:
        lines.append(f"  not imported, skipped        {summary.not_imported}")
    if summary.batch:
        lines.append(f"  import number                {summary.batch}")
    if summary.mappings:
        made = ", ".join(f"“{name}” ({count})" for name, count in summary.mappings.items())
        lines.append(f"  the reports read were stored with {made}")
    if summary.changes:
        shown = len(summary.changes)
        lines.append(f"The first {shown} reports that change:" if shown > 1 else "The change:")
        for change in summary.changes:
            lines.append(
                f"  report {change.external_id}, revision {change.previous_revision} → "
                f"{change.revision}:"
            )
            for item in change.fields:
                lines.append(
                    f"    {item['field']}: {value_text(item['before'])} → "
                    f"{value_text(item['after'])}"
                )
    if summary.problems:
        lines.append("Left as they were:")
    for shown, problem in enumerate(summary.problems):
        if shown == SHOWN_PROBLEMS:
            lines.append(f"  … and more: --json prints the first {KEPT_PROBLEMS}.")
            break
        lines.append(f"  {remap_problem_text(problem)}")
    if summary.dry_run:
        lines.append("Nothing was changed (dry run).")
    return "\n".join(lines)
