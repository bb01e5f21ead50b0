import Engine
import FileSupport
import ImprintCLI

BLASKernels.reexecWithFasterKernelsIfNeeded()
// Before anything else: OpenBLAS's idle workers would spin on a core while the model and data load.
BLASKernels.useOneThread()
FreedMemory.keepForReuse()
// Ctrl-C or kill removes the temporary files of unfinished outputs.
TemporaryFiles.removeOnSignals()
ImprintCommand.runAsMain()
