"""FHIR R4 input: a patient's Bundle -> ``PatientFacts`` (contract: docs/fhir-input.md).

    reading = read_bundle_file("patient.json")
    reading.facts      # PatientFacts for the protocol engine
    reading.notes      # accepted with a change, or ignored with a reason
    reading.rejected   # FhirInputError per resource that could not be used
"""

from __future__ import annotations

from .reader import BUNDLE_TYPES, BundleReading, read_bundle, read_bundle_file

__all__ = ["BUNDLE_TYPES", "BundleReading", "read_bundle", "read_bundle_file"]
