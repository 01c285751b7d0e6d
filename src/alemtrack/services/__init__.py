"""The clinic's use cases (``Clinic``) and the immutable views they return (``model``)."""
