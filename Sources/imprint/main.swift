import ImprintCLI

await ImprintCommand.main()
