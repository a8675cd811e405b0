"""The `warroom` command line: one module per command group (``warroom incident ...`` is
``cli.incident``), assembled by ``cli.main``; shared plumbing in ``cli.common`` and
``cli.render``.

Every `warroom` invocation imports all command modules and has Typer read every command's
signature before it parses a single argument, so the command modules stay cheap to load:
heavy imports live inside the commands, and they do without ``from __future__ import
annotations`` (string annotations cost Typer a compile and an eval each, about half of
building the command tree)."""
