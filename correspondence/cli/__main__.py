from correspondence.cli import main

main()
