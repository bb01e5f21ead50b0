import Testing
import Verifier

@Suite struct TimeParsingTests {
    @Test(arguments: [("3600", 3600.0), ("1s", 1), ("2min", 120), ("1h", 3600), ("1.5d", 129_600), ("1w", 604_800),
                      ("1y", 31_557_600), ("0", 0), (" 10min ", 600), ("100ms", 0.1), ("1mo", 2_629_800),
                      ("12mo", 31_557_600)])
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

    /// The one label formatter: the largest unit giving a short number, never "4383h" for half a year.
    @Test(arguments: [(15_778_800.0, "0.5y"), (2_592_000, "30d"), (0.1, "100ms"), (1, "1s"), (3600, "1h"), (86_400, "1d"),
                      (31_557_600, "1y"), (90, "1.5min"), (604_800, "1w"), (2_629_800, "1mo"), (0, "0s"), (1234.5, "1234.5s")])
    func labels(seconds: Double, label: String) throws {
        #expect(TimeParsing.label(seconds) == label)
        #expect(abs(try TimeParsing.seconds(label) - seconds) <= 1e-9 * max(seconds, 1))
    }

    /// Every tick label the report's axis draws parses back as a `--times` value.
    @Test func everyUnitOfTheUnitListParses() throws {
        for unit in TimeParsing.units { #expect(try TimeParsing.seconds("1" + unit.name) == unit.seconds) }
    }
}
