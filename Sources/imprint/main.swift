import ImprintCLI

await ImprintCommand.runAsRoot()
