from shadowfleet.cli.app import main

main()
