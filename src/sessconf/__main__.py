from sessconf.cli.main import main

main()
