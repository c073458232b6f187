"""Speed machinery behind small seams: forked workers (``pool``), a background process
(``background``) and the garbage collector's policy (``gc``). Nothing here knows the domain."""
