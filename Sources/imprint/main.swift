import ImprintCLI

ImprintCommand.main()
