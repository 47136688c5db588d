"""The command line: parse, call the library, render (STYLE.md 9)."""
