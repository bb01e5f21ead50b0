import ImprintCLI

BLASKernels.reexecWithFasterKernelsIfNeeded()
ImprintCommand.main()
