"""Differential tests: every op of `rmlx.core` against the real MLX (`mlx.core` 0.32.4).

- `specs.py`: the case table, one builder per family (unary, binary, operators, ternary,
  reductions, shape, creation, astype, construction, eval). A case is a callable, argument
  specs (`In` arrays with a value kind, shape, dtype and optional view; `D` dtypes; plain
  Python values), keyword arguments, and a tolerance multiplier.
- `harness.py`: builds each input once as NumPy (seeded by the spec), converts it to both
  libraries (`lib.array`, bfloat16 through float32 + `astype`), applies the same view in
  each (`x.T`, `x[::2]`, `x[::-1]`, `x[..., ::-2]`), calls, reads results back through
  `astype`/`tolist()` and compares: same exception type, or same dtype, shape and values
  (per-dtype tolerance, NaN where NaN, integers exact).
- `test_differential.py`: one pytest case per table row, ids like
  `binary-add-int8[2x3]-float32[3]-pair`; markers per family and `pending`.
- `conftest.py`: per-family totals at the end of the run (`RMLX_DIFF_TOTALS=1` also writes
  `TOTALS.md`).
- `report.py`: the same comparison outside pytest, one line per mismatch.

Run:  pytest python/tests/differential -m "unary and not pending" -q
      RMLX_DIFF_SKIP_PENDING=1 pytest python/tests/differential -q
      cd python/tests && python -m differential.report binary operators
"""
