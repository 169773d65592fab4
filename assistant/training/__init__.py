"""Training BackCheck's own answer recogniser (``backcheck train answers``)."""
