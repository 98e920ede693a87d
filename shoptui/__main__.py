"""python -m shoptui"""

from shoptui.cli.main import run

run()
