"""Plans: the states compared (``state``, ``desired``, ``snapshot``), the plan as a value (``plan``),
how it is computed (``compute``), its safety thresholds (``thresholds``), saved plans (``saved``)
and what a store's configuration looks like to ``list``/``show`` (``view``)."""
