import FileSupport

/// An AtomicFileWriter whose errors name the output as a `PlanFileError`.
package struct OutputFile {
    package let writer: AtomicFileWriter
    package let path: String

    package init(_ destination: OutputDestination) throws(PlanFileError) {
        path = destination.path
        do { writer = try AtomicFileWriter(destination) } catch {
            throw PlanFileError(file: destination.path, .writeFailed(error.reason))
        }
    }

    /// Classifies an output path, its errors as a `PlanFileError`.
    package static func destination(_ path: String, inputs: [String] = []) throws(PlanFileError) -> OutputDestination {
        do { return try OutputDestination(path, inputs: inputs) } catch {
            throw PlanFileError(file: path, .writeFailed(error.reason))
        }
    }

    package func write(_ bytes: [UInt8]) throws(PlanFileError) {
        do { try writer.write(bytes) } catch { throw PlanFileError(file: path, .writeFailed(error.reason)) }
    }

    package func commit() throws(PlanFileError) {
        do { try writer.commit() } catch { throw PlanFileError(file: path, .writeFailed(error.reason)) }
    }
}
