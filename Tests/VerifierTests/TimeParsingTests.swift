import Testing
import Verifier

@Suite struct TimeParsingTests {
    @Test(arguments: [("3600", 3600.0), ("1s", 1), ("2min", 120), ("1h", 3600), ("1.5d", 129_600), ("1w", 604_800),
                      ("1y", 31_557_600), ("0", 0), (" 10min ", 600)])
    func parses(text: String, seconds: Double) throws {
        #expect(try TimeParsing.seconds(text) == seconds)
    }

    @Test(arguments: ["1x", "", "h", "-1h", "-5", "1 day", "nan", "inf"])
    func rejects(text: String) {
        #expect(throws: VerifierError.self) { try TimeParsing.seconds(text) }
    }

    @Test func lists() throws {
        #expect(try TimeParsing.list("1s,1h,1d,1y") == [1, 3600, 86_400, 31_557_600])
        #expect(throws: VerifierError.self) { try TimeParsing.list("1s,,1d") }
    }
}
