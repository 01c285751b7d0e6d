"""The clinical-event forms of the care team: relapse, EDSS, brain MRI and vaccination.

Like ``forms``: the readers check what a browser cannot (a date is a date and not after today,
a score is on the scale, a count is a whole number in range, the vaccine is one the vocabulary
knows) and name the field; the services check again and their ``ValidationError`` lands on the
same fields (``onset``, ``on``, ``value``, ``gd_lesions``, ``new_t2_lesions``, ``cvx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from alemtrack.protocol.vocabulary import CVX_VACCINES, LIVE_CVX
from alemtrack.services.model import MriEntry

from .forms import FormState, _date, _text

# Kurtzke EDSS: 0, then 1.0 to 10.0 in half steps (there is no 0.5 on the scale).
EDSS_SCORES: tuple[str, ...] = ("0", *(f"{n / 2:.1f}" for n in range(2, 21)))
MAX_LESIONS = 200  # far above any report; a larger number is a typing error

# Short CVX descriptions (CDC CVX table) of every code the vocabulary maps.
CVX_NAMES: dict[str, str] = {
    "88": "Influenza, unspecified formulation",
    "135": "Influenza, high dose, seasonal",
    "140": "Influenza, seasonal, injectable, preservative free",
    "141": "Influenza, seasonal, injectable",
    "144": "Influenza, seasonal, intradermal, preservative free",
    "150": "Influenza, injectable, quadrivalent, preservative free",
    "153": "Influenza, injectable, MDCK, preservative free",
    "155": "Influenza, recombinant, injectable, preservative free",
    "158": "Influenza, injectable, quadrivalent",
    "161": "Influenza, injectable, quadrivalent, preservative free, paediatric",
    "166": "Influenza, intradermal, quadrivalent, preservative free",
    "168": "Influenza, trivalent, adjuvanted",
    "171": "Influenza, injectable, MDCK, quadrivalent, preservative free",
    "185": "Influenza, recombinant, quadrivalent, preservative free",
    "186": "Influenza, injectable, MDCK, quadrivalent, preservative",
    "197": "Influenza, high dose, quadrivalent",
    "205": "Influenza, adjuvanted, quadrivalent",
    "111": "Influenza, live, intranasal",
    "149": "Influenza, live, intranasal, quadrivalent",
    "133": "Pneumococcal conjugate PCV13",
    "33": "Pneumococcal polysaccharide PPSV23",
    "08": "Hepatitis B, adolescent or paediatric",
    "43": "Hepatitis B, adult",
    "44": "Hepatitis B, dialysis",
    "45": "Hepatitis B, unspecified formulation",
    "189": "Hepatitis B, CpG-adjuvanted (Heplisav-B)",
    "220": "Hepatitis B, recombinant, 3-antigen",
    "83": "Hepatitis A, paediatric/adolescent, 2 dose",
    "52": "Hepatitis A, adult",
    "85": "Hepatitis A, unspecified formulation",
    "31": "Hepatitis A, paediatric, unspecified formulation",
    "104": "Hepatitis A and B (Twinrix)",
    "110": "DTaP-hepatitis B-IPV",
    "09": "Td (adult), adsorbed",
    "113": "Td (adult), preservative free",
    "115": "Tdap",
    "138": "Td (adult), not adsorbed",
    "139": "Td (adult), unspecified formulation",
    "196": "Td, adsorbed, preservative free, adult",
    "20": "DTaP",
    "106": "DTaP, 5 pertussis antigens",
    "107": "DTaP, unspecified formulation",
    "120": "DTaP-Hib-IPV",
    "130": "DTaP-IPV",
    "146": "DTaP-IPV-Hib-HepB",
    "62": "HPV, quadrivalent",
    "118": "HPV, bivalent",
    "137": "HPV, unspecified formulation",
    "165": "HPV, 9-valent",
    "21": "Varicella",
    "03": "MMR (measles, mumps, rubella)",
    "94": "MMRV (measles, mumps, rubella, varicella)",
    "121": "Zoster, live",
    "37": "Yellow fever",
    "25": "Typhoid, oral",
    "19": "BCG",
    "04": "Measles and rubella",
    "05": "Measles",
    "06": "Rubella",
    "07": "Mumps",
    "38": "Rubella and mumps",
    "174": "Cholera, live, oral",
    "75": "Vaccinia (smallpox)",
}


@dataclass(frozen=True, slots=True)
class VaccineChoice:
    cvx: str
    label: str
    live: bool


def vaccine_choices() -> tuple[tuple[str, tuple[VaccineChoice, ...]], ...]:
    """The vaccines the vocabulary knows, as (group, choices): inactivated first, then live
    (the live ones open the R-C3 gap before a course, so they stand apart and say so)."""
    codes = sorted(set(CVX_VACCINES) | LIVE_CVX, key=lambda c: (CVX_NAMES.get(c, c), c))
    choices = [VaccineChoice(c, f"{CVX_NAMES.get(c, 'CVX ' + c)} - CVX {c}"
                             + (" · LIVE" if c in LIVE_CVX else ""), c in LIVE_CVX)
               for c in codes]
    return (("Inactivated and other non-live vaccines", tuple(c for c in choices if not c.live)),
            ("Live vaccines", tuple(c for c in choices if c.live)))


KNOWN_CVX = frozenset(CVX_VACCINES) | LIVE_CVX


def _day(state: FormState, name: str, today: date) -> date | None:
    """A required date that is not after today."""
    on = _date(state, name)
    if on is not None and on > today:
        state.add(name, f"{on.isoformat()} is after today ({today.isoformat()}); "
                        "record what has happened.")
        return None
    return on


def _yes_no(state: FormState, name: str, question: str) -> bool | None:
    raw = _text(state.values, name)
    if raw in {"yes", "no"}:
        return raw == "yes"
    state.add(name, f"Answer yes or no: {question}")
    return None


def _count(state: FormState, name: str) -> int | None:
    """A lesion count: blank is "not reported" (unknown is not zero)."""
    raw = _text(state.values, name)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to isdigit(), not to int()
        state.add(name, f"“{raw}” is not a whole number of lesions (0 if none).")
        return None
    if len(raw.lstrip("0")) > 3 or int(raw) > MAX_LESIONS:  # no int() of a 10,000-digit string
        state.add(name, f"{raw[:12]} lesions is beyond {MAX_LESIONS}: check the report.")
        return None
    return int(raw)


def _checked(state: FormState, name: str) -> bool:
    return _text(state.values, name) in {"yes", "on", "true"}


def read_relapse(state: FormState, today: date) -> tuple[date, bool] | None:
    onset = _day(state, "onset", today)
    disabling = _yes_no(state, "disabling", "was the relapse disabling?")
    if not state.ok or onset is None or disabling is None:
        return None
    return onset, disabling


def read_edss(state: FormState, today: date) -> tuple[date, float] | None:
    on = _day(state, "on", today)
    raw = _text(state.values, "value").replace(",", ".")
    value: float | None = None
    if not raw:
        state.add("value", "Choose the EDSS score.")
    else:
        try:
            value = float(raw)
        except ValueError:
            state.add("value", f"“{raw}” is not an EDSS score.")
        else:
            if not any(value == float(s) for s in EDSS_SCORES):
                state.add("value", f"{raw} is not on the EDSS scale (0, then 1.0 to 10.0 in "
                                   "steps of 0.5).")
                value = None
    if not state.ok or on is None or value is None:
        return None
    return on, value


def read_mri(state: FormState, today: date) -> MriEntry | None:
    on = _day(state, "on", today)
    gd = _count(state, "gd_lesions")
    t2 = _count(state, "new_t2_lesions")
    t2_load = _checked(state, "t2_load_increase")
    pml = _checked(state, "pml_signs")
    if state.ok and gd is None and t2 is None and not t2_load and not pml:
        state.general.append("Enter what the report says: the lesion counts (0 if none) or "
                             "a finding.")
    if not state.ok or on is None:
        return None
    return MriEntry(on=on, gd_lesions=gd, new_t2_lesions=t2, t2_load_increase=t2_load,
                    pml_signs=pml)


def read_vaccination(state: FormState, today: date) -> tuple[date, str] | None:
    on = _day(state, "on", today)
    cvx = _text(state.values, "cvx")
    if not cvx:
        state.add("cvx", "Choose the vaccine.")
    elif cvx not in KNOWN_CVX:
        state.add("cvx", f"CVX {cvx} is not in the list; choose the vaccine from it.")
    if not state.ok or on is None:
        return None
    return on, cvx


RELAPSE_FIELDS = {"onset", "disabling", "actor"}
EDSS_FIELDS = {"on", "value", "actor"}
MRI_FIELDS = {"on", "gd_lesions", "new_t2_lesions", "t2_load_increase", "pml_signs", "actor"}
VACCINATION_FIELDS = {"on", "cvx", "actor"}
