"""``catalog``: the roles the function grants, from the bundled catalog (the same entries as GET /v1/catalog)."""

from __future__ import annotations

import sys

import click
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.catalog_view import catalog_document

from emr_bootstrap_cli import render
from emr_bootstrap_cli.errors import EXIT_OK
from emr_bootstrap_cli.options import debug_option, output_option


@click.command()
@click.option("--local", is_flag=True, help="Accepted for symmetry: the catalog is bundled data, read locally.")
@output_option
@debug_option
def catalog(local: bool, output: str) -> int:
    """List the EMR roles: what each trusts, its system policy, and when a request needs it."""
    document = catalog_document(load_catalog())
    if output == "json":
        render.print_json(sys.stdout, document)
    else:
        render.catalog_table(render.console(sys.stdout), document)
    return EXIT_OK
