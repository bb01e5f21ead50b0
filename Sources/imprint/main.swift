import Engine
import FileSupport
import ImprintCLI

BLASKernels.reexecWithFasterKernelsIfNeeded()
// Ctrl-C or kill removes the temporary files of unfinished outputs.
TemporaryFiles.removeOnSignals()
ImprintCommand.runAsMain()
