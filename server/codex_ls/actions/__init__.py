"""Code actions: explain, add tests, edit by instruction, implement, docstrings, comments, bugs, translate.

catalog      which actions to offer (cheap: no model call)
target       the code an action concerns; instruction comments
functions    the function at the cursor and whether it is a stub (Python)
braces       the same for brace languages (JavaScript, TypeScript, Go, Rust, C)
source       line arithmetic and the Function record
job          arguments, document snapshot, results
ask, inputs  chat requests and checked code answers
documents    Explain, Translate (documents in the cache directory)
rewrite      Edit with instruction, Add docstring, Add comments (edits)
unit_tests   Add unit tests (a test file, created or appended to)
frameworks   per language: the test framework, the test file, how tests reach the code
merging      generated tests joined to an existing file, every language
python_imports  Python's top-level imports, read by ast, for merging
styles       per framework and language: test conventions and doc comment styles for the prompts
bugs         Find bugs (diagnostics)
implement    Implement function (FIM samples, ranked)
feedback     $/progress and codex/status
runner       supervision, version checks, applying and showing results
state        what persists between requests
"""
