import FileSupport
import Foundation
import Testing
import TestSupport

/// The one rule for every output: regular files replaced atomically (through symlinks), devices and
/// FIFOs written through, inputs never overwritten, bad paths refused before any work.
@Suite struct OutputDestinationTests {
    func write(_ text: String, to output: OutputDestination) throws {
        let w = try AtomicFileWriter(output)
        try w.write(text)
        try w.commit()
    }

    func leftovers(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
    }

    @Test func symlinkIsFollowedAndStaysASymlink() throws {
        let dir = try Fixtures.temporaryDirectory()
        let target = dir.appendingPathComponent("real.json"), link = dir.appendingPathComponent("link.json")
        try Data("old".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.json")
        try write("new", to: try OutputDestination(link.path))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.json")
        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
        #expect(try leftovers(dir).isEmpty)
    }

    @Test func danglingSymlinkCreatesItsTarget() throws {
        let dir = try Fixtures.temporaryDirectory()
        let link = dir.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "new.json")
        try write("made", to: try OutputDestination(link.path))
        #expect(try String(contentsOf: dir.appendingPathComponent("new.json"), encoding: .utf8) == "made")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "new.json")
    }

    @Test func devicesAreWrittenThroughNotReplaced() throws {
        let d = try OutputDestination("/dev/null")
        #expect(d.kind == .writeThrough(path: "/dev/null"))
        try write("discarded", to: d)
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        #expect(try OutputDestination("-").kind == .standardOutput)
    }

    @Test func fifoIsWrittenThroughAndItsReaderGetsTheBytes() throws {
        let dir = try Fixtures.temporaryDirectory()
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let d = try OutputDestination(fifo.path)
        #expect(!d.isAtomic)
        let received = try readWhileWriting(fifo: fifo, text: "through the pipe", to: d)
        #expect(received == "through the pipe")
        var info = stat()
        #expect(lstat(fifo.path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }

    /// Opens the FIFO for reading on another thread (opening blocks until both ends are open).
    func readWhileWriting(fifo: URL, text: String, to d: OutputDestination) throws -> String {
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box(), done = DispatchSemaphore(value: 0)
        Thread {
            if let h = FileHandle(forReadingAtPath: fifo.path) { box.text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self) }
            done.signal()
        }.start()
        try write(text, to: d)
        done.wait()
        return box.text
    }

    @Test func anInputIsNeverAnOutputAlsoThroughHardLinksAndSymlinks() throws {
        let dir = try Fixtures.temporaryDirectory()
        let model = dir.appendingPathComponent("m.onnx")
        try Data("model bytes".utf8).write(to: model)
        let hard = dir.appendingPathComponent("hard.onnx"), soft = dir.appendingPathComponent("soft.onnx")
        try FileManager.default.linkItem(at: model, to: hard)
        try FileManager.default.createSymbolicLink(atPath: soft.path, withDestinationPath: model.path)
        for output in [model.path, hard.path, soft.path, dir.path + "/./m.onnx"] {
            #expect(throws: FileWriteError.self) { try OutputDestination(output, inputs: [model.path]) }
        }
        // Named inputs that are not files are ignored; another file is fine.
        _ = try OutputDestination(dir.appendingPathComponent("plan").path, inputs: [model.path, "fashion-mnist"])
        #expect(try String(contentsOf: model, encoding: .utf8) == "model bytes")
    }

    @Test func badPathsFailBeforeAnyWriting() throws {
        let dir = try Fixtures.temporaryDirectory()
        let locked = dir.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
        var bad = [dir.path, dir.appendingPathComponent("missing/x.plan").path, ""]
        if geteuid() != 0 { bad.append(locked.appendingPathComponent("x.plan").path) }  // root writes anywhere
        for path in bad {
            #expect(throws: FileWriteError.self, "\(path)") { try OutputDestination(path) }
        }
    }

    @Test func droppedWriterLeavesNothingAndRegistryEmpties() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("x.bin")
        try Data("old".utf8).write(to: out)
        do {
            let w = try AtomicFileWriter(try OutputDestination(out.path))
            try w.write("half")
            #expect(TemporaryFiles.live.contains { $0.hasPrefix(dir.resolvingSymlinksInPath().path) || $0.contains(dir.lastPathComponent) })
        }
        #expect(try leftovers(dir).isEmpty)
        #expect(!TemporaryFiles.live.contains { $0.contains(dir.lastPathComponent) })
        #expect(try String(contentsOf: out, encoding: .utf8) == "old")
    }
}
