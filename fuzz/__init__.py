"""Fuzzing and hardening tools for the cable parser (not part of the installed package).

- `fuzz.generators`: pathological and mutated inputs (shared by the seed corpus, the harness and the tests);
- `fuzz.make_seeds`: writes the seed corpus (real cables, mutated cables, pathological text, random bytes);
- `fuzz.fuzz_parse`: the atheris (libFuzzer) target for `summarizer.parsing.parse`;
- `fuzz.run`: runs the target for a time / input budget and writes a JSON + Markdown report;
- `fuzz.regex_audit`: every regular expression of the parser against the worst inputs built for it.
"""
