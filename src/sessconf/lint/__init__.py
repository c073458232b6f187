"""Lint: every check of the loaded repository, settings and suppressions applied (SPEC §3).

``engine`` runs it, ``checks`` are the checks (one per code), ``context`` is what one run shares,
``index`` the facts about the sessions that several checks need, ``suppressions`` the
``# sessconf: disable=`` directives.
"""
