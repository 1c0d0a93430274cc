from commbook.cli import run

run()
