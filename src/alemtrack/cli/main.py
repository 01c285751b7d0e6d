"""The ``alemtrack`` command line: thin wrappers around the protocol core.

Exit status: 0 when the command ran (whatever it found), 2 for unusable input, with the error on
stderr (interfaces.md §2).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alemtrack import __version__
from alemtrack.errors import InputError
from alemtrack.protocol import PROFILES, assess
from alemtrack.protocol.catalogue import all_rules

from . import audit, backup, bulk, demo, imports, labfeed, plan, serve, users
from .common import Profile, fail, load, parse_date
from .render import assessment_text, rules_table, sources_table

app = typer.Typer(
    name="alemtrack",
    help="alemtuzumab safety programme: assess patients, plan courses, list the protocol rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    json = "json"
    text = "text"


@app.command("assess")
def assess_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON) of one patient.")],
    on: Annotated[str, typer.Option("--on", help="Assessment date, YYYY-MM-DD.")],
    profile: Annotated[Profile, typer.Option(help="Protocol profile.")] = Profile.eu,
    planned_start: Annotated[
        str | None, typer.Option("--planned-start", help="Planned day 1 of the next course.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json or text.")] = Format.text,
    strict: Annotated[
        bool, typer.Option(help="Exit 2 when any resource of the bundle is rejected.")
    ] = False,
) -> None:
    """Assess a patient on a date: phase, next course gates, findings, due tests, windows."""
    try:
        as_of = parse_date(on, "--on")
        start = parse_date(planned_start, "--planned-start") if planned_start else None
        reading = load(bundle, strict=strict)
    except InputError as exc:
        fail(str(exc))
    result = assess(reading.facts, as_of, PROFILES[profile.value], start)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        Console(highlight=False).print(assessment_text(result), markup=False)


@app.command("rules")
def rules_command(
    fmt: Annotated[Format, typer.Option("--format", help="json or text.")] = Format.text,
) -> None:
    """The rule catalogue: every rule ID with its title, output and source."""
    rules = all_rules()
    if fmt is Format.json:
        payload = [
            {"id": r.id, "title": r.title, "produces": r.produces, "source": r.source}
            for r in rules
        ]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        console = Console()
        console.print(rules_table(rules))
        console.print(sources_table())


@app.command("examples")
def examples_command(
    examples: Annotated[
        Path, typer.Option(help="Folder of example cases (*.case.json beside *.bundle.json).")
    ] = Path("examples"),
    fmt: Annotated[Format, typer.Option("--format", help="json or text.")] = Format.text,
) -> None:
    """Assess every example patient on its stated date and print the assessments."""
    cases = sorted(examples.glob("*.case.json"))
    if not cases:
        fail(f"no example cases (*.case.json) in {examples}")
    out = Console(highlight=False)
    results = []
    for case_file in cases:
        try:
            case = json.loads(case_file.read_text(encoding="utf-8"))
            bundle = case_file.with_name(case_file.name.replace(".case.json", ".bundle.json"))
            reading = load(bundle, strict=True)
            as_of = parse_date(case["as_of"], "as_of")
            start = (
                parse_date(case["planned_start"], "planned_start")
                if case.get("planned_start")
                else None
            )
        except (InputError, KeyError, json.JSONDecodeError) as exc:
            fail(f"{case_file}: {exc}")
        result = assess(reading.facts, as_of, PROFILES[case.get("profile", "eu")], start)
        if fmt is Format.json:
            results.append({"case": case_file.name, "assessment": result.to_dict()})
        else:
            out.rule(f"{case.get('title', case_file.stem)}", style="bold")
            out.print(assessment_text(result), markup=False)
            out.print()
    if fmt is Format.json:
        sys.stdout.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


@app.command("version")
def version_command() -> None:
    """Print the alemtrack version."""
    typer.echo(__version__)


plan.register(app)
serve.register(app)
demo.register(app)
imports.register(app)
backup.register(app)
bulk.register(app)
audit.register(app)
labfeed.register(app)
users.register(app)
