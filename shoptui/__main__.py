"""python -m shoptui"""

from shoptui.cli.entry import run

run()
