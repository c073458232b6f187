"""How YAML 1.1 reads a plain scalar: the patterns that reading and writing both need.

The reader resolves plain scalars itself (the parser is given no resolvers, which saves a Python
call per scalar and leaves keys as written); the writer quotes any text that would read back as
something else.
"""

from __future__ import annotations

import re

INT_RE = re.compile(
    r"""[-+]?(?:0b_*[0-1][0-1_]*|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x_*[0-9a-fA-F][0-9a-fA-F_]*"""
    r"""|[1-9][0-9_]*(?::[0-5]?[0-9])+)"""
)
FLOAT_RE = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"""
    r"""|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"""
)
NUMBER_START = frozenset("0123456789-+.")
BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}
PLAIN_BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
NULLS = frozenset(("", "~", "null", "Null", "NULL"))
