"""Reminders: client-facing text rendered from session descriptions, safely (SPEC §5).

- ``variables``: what a template sees, built from the model;
- ``dates``: dates and times in words for a locale (Babel);
- ``builtin``: where templates come from, and when a built-in one cannot fail (light);
- ``templates``: built-in and overriding templates, compiled and rendered;
- ``sandbox/``: the bounded Jinja2 environment (the only one): budget, value cap, deadlines;
- ``worker``: the bounded child process that renders a repository's templates;
- ``sms``: SMS segments and encodings;
- ``dependence``: what a template's output depends on, from its syntax tree;
- ``check/``: lint's reminder check, which renders as little as it can and returns findings;
- ``render``: reminders for ``sessconf render``.

This package knows nothing of lint rules, plans, stores or output formats. Importing it is
cheap; Jinja2 and Babel load with the modules that need them.
"""
