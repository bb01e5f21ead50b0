import Engine
import ImprintCLI

BLASKernels.reexecWithFasterKernelsIfNeeded()
ImprintCommand.runAsMain()
