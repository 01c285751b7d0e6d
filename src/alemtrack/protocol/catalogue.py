"""The rule catalogue: every rule of clinical-rules.md with its title, output and source."""

from __future__ import annotations

from .results import Rule
from .rules import FAMILIES


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in spec order (family letter as in the spec, then number)."""
    rules = [r for family in FAMILIES for r in family.RULES]
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise ValueError(f"rule {r.id} declared twice")
        seen.add(r.id)
    return tuple(sorted(rules, key=lambda r: (_FAMILY_ORDER.index(r.id[2]), int(r.id[3:]))))


# Section order of clinical-rules.md: §2 A, §3 B, §4 C, §5 D, §6 E/G, §7a M, §7b H N T L X I, §7c S.
_FAMILY_ORDER = "ABCDEGMHNTLXIS"


# What the source keys of the rules stand for (clinical-rules.md §0), so a clinician can find the
# text behind a finding. Tags: ✔ checked against the source, ◐ recalled (re-verify), ✱ a
# convention chosen in the spec.
SOURCES: dict[str, str] = {
    "S0": "seed 000_970add27873f012d.txt: Berger T et al., CNS Drugs 2017;31:33-50 (abstract)",
    "S1": "seed 001_2915d6f71ab5c776.txt: Ziemssen T et al., Ther Adv Neurol Disord 2017;10:343-59",
    "S2": "seed 002_c5f89f9a828b9c67.txt: Mult Scler 2015 review (PMC4361497)",
    "S3": "seed 003_595478138bec9c2b.txt: Meca-Lallana JE et al., Spanish consensus, "
    "Neurologia 2022;37:615-30 (Rec 1-29, Tables 1-3, Figs 3-5)",
    "S4": "seed 004_01cde2b73b2f9f38.txt: review with trial Tables 1-3",
    "BER": "Berger 2017 full text, Key points box",
    "EU": "Lemtrada EU SmPC after the EC decision of 16 Jan 2020",
    "EMA": "EMA referral page Lemtrada",
    "US": "US Prescribing Information and Important Safety Information",
    "KC": "Katsavos & Coles, Cold Spring Harb Perspect Med 2018;8:a032029, Table 2",
    "BE-ITP": "Lambert C et al., Acta Neurol Belg 2018;118:7-11 (Belgian ITP consensus), Fig 3",
    "DEV": "Devonshire V et al., J Neurol 2018;265:2494-505",
    "ETA": "2019 European Thyroid Association guideline, Eur Thyroid J 2019;8:173-85",
    "ASH": "ASH 2019 ITP guideline, Blood Adv 2019;3:3829-66",
    "HLH04": "Henter JI et al., HLH-2004 criteria, Pediatr Blood Cancer 2007;48:124-31",
    "RAN": "Ranganathan et al., Mult Scler 2017 (transient infusion thrombocytopenia)",
    "✔": "wording checked against the source",
    "◐": "recalled from the named source: re-verify before a clinical release",
    "✱": "a convention chosen in the spec, not from an alemtuzumab source",
}


def rule(rule_id: str) -> Rule:
    for r in all_rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)
