import Foundation
import Testing
import TestSupport

/// The runner every CLI test uses must not hang on a chatty child.
@Suite struct CommandRunnerTests {
    /// 256 KiB on stderr before anything on stdout: four times a pipe's buffer, which blocked the
    /// child for ever when stdout was read to its end first.
    @Test(.timeLimit(.minutes(1)))
    func drainsBothPipesOfAChattyChild() throws {
        let script = "head -c 262144 /dev/zero | tr '\\0' e >&2; echo done"
        let output = try CommandRunner.run(executable: URL(fileURLWithPath: "/bin/sh"), ["-c", script])
        #expect(output.status == 0)
        #expect(output.stdout == "done\n")
        #expect(output.stderr.utf8.count == 262_144 && output.stderr.allSatisfy { $0 == "e" })
    }
}
