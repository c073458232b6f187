"""Reminders: client-facing text rendered from session descriptions, safely (SPEC §5).

- ``variables``: what a template sees, built from the model;
- ``dates``: dates and times in words for a locale (Babel);
- ``sandbox``: the bounded Jinja2 environment (the only one);
- ``templates``: built-in and overriding templates, compiled and rendered;
- ``sms``: SMS segments and encodings;
- ``analysis`` and ``check``: what lint renders, and how little it needs to;
- ``render``: reminders for ``sessconf render``.

Importing this package is cheap; Jinja2 and Babel load with the modules that need them.
"""
