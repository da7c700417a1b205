from pgcadence.cli.main import main

main()
