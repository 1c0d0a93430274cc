from commbook.cli import main

main()
