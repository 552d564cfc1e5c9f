from chainwatch.cli.app import main

main()
