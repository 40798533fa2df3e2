import Foundation
import XCTest
@testable import EntraAuth

/// SASL byte strings (XOAUTH2, RFC 7628 OAUTHBEARER) and error challenges.
final class SASLTests: XCTestCase {
    /// The exact base64 of case B01's transcript.
    func testXOAUTH2MatchesExchangeTranscript() {
        let bytes = SASL.xoauth2(user: "archive@example.com", token: "eyJ...")
        XCTAssertEqual(Data(bytes).base64EncodedString(), "dXNlcj1hcmNoaXZlQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIGV5Si4uLgEB")
        XCTAssertEqual(bytes.suffix(2), [0x01, 0x01])
    }

    func testXOAUTH2Bytes() {
        XCTAssertEqual(SASL.xoauth2(user: "u@x.example", token: "T"),
                       Array("user=u@x.example".utf8) + [0x01] + Array("auth=Bearer T".utf8) + [0x01, 0x01])
    }

    /// RFC 7628 §4.1's example initial response.
    func testOAUTHBEARERMatchesRFC7628Example() {
        let bytes = SASL.oauthBearer(user: "user@example.com", host: "server.example.com", port: 143,
                                     token: "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
        XCTAssertEqual(Data(bytes).base64EncodedString(),
                       "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB")
    }

    func testOAUTHBEAREREscapesCommaAndEquals() {
        let bytes = SASL.oauthBearer(user: "a,b=c@example.com", host: "imap.example.com", port: 993, token: "T")
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "n,a=a=2Cb=3Dc@example.com,\u{1}host=imap.example.com\u{1}port=993\u{1}auth=Bearer T\u{1}\u{1}")
    }

    func testDecodesDovecotErrorChallenge() {
        let json = #"{"status":"401","schemes":"bearer","scope":"mail"}"#
        let challenge = SASL.decodeErrorChallenge(Data(json.utf8).base64EncodedString())
        XCTAssertEqual(challenge, OAuthErrorChallenge(status: "401", schemes: "bearer", scope: "mail"))
    }

    /// RFC 7628 §4.3's example error challenge.
    func testDecodesRFC7628ErrorChallenge() {
        let challenge = SASL.decodeErrorChallenge(
            "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=")
        XCTAssertEqual(challenge, OAuthErrorChallenge(status: "invalid_token", scope: "example_scope",
                                                      openIDConfiguration: "https://example.com/.well-known/openid-configuration"))
    }

    func testRejectsNonChallenges() {
        XCTAssertNil(SASL.decodeErrorChallenge("not base64!"))
        XCTAssertNil(SASL.decodeErrorChallenge(Data("[1,2]".utf8).base64EncodedString()))
        XCTAssertNil(SASL.decodeErrorChallenge(Data(#"{"schemes":"bearer"}"#.utf8).base64EncodedString()))
    }
}

/// JWT payload decoding and the redaction of token values.
final class TokenClaimsTests: XCTestCase {
    private func jwt(_ payload: String) -> String {
        func b64url(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return b64url(#"{"alg":"none"}"#) + "." + b64url(payload) + ".c2ln"
    }

    func testDecodesV2TokenWithAzpAndAudienceGUID() throws {
        // "???>>>" makes the standard base64 contain '/' and '+', so base64url's '_' and '-' are exercised.
        let token = jwt(#"{"aud":"00000002-0000-0ff1-ce00-000000000000","azp":"app-1","roles":["Mail.Read","IMAP.AccessAsApp"],"exp":1700000000,"nbf":1699990000,"ver":"2.0","x":"???>>>"}"#)
        XCTAssertTrue(token.contains("_") || token.contains("-"))
        let claims = try XCTUnwrap(TokenClaims(jwt: token))
        XCTAssertEqual(claims.applicationID, "app-1")
        XCTAssertNil(claims.appid)
        XCTAssertTrue(claims.audienceIsExchange)
        XCTAssertTrue(claims.hasIMAPAccessAsApp)
        XCTAssertEqual(claims.exp, Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertEqual(claims.nbf, Date(timeIntervalSince1970: 1_699_990_000))
        XCTAssertEqual(claims.ver, "2.0")
    }

    func testGraphTokenHasTwoIMAPProblems() throws {
        let claims = try XCTUnwrap(TokenClaims(jwt: jwt(#"{"aud":["https://graph.microsoft.com"],"roles":["Mail.Read"]}"#)))
        XCTAssertEqual(claims.aud, "https://graph.microsoft.com")
        XCTAssertFalse(claims.audienceIsExchange)
        XCTAssertEqual(claims.imapProblems.count, 2)
        XCTAssertTrue(claims.imapProblems[0].contains("https://outlook.office365.com/.default"))
        XCTAssertTrue(claims.imapProblems[1].contains("only the roles Mail.Read"))
    }

    func testOtherCloudsAudiencesAreExchange() {
        for aud in ["https://outlook.office365.us", "https://outlook.office365.com/", "HTTPS://OUTLOOK.OFFICE365.COM", "https://partner.outlook.cn"] {
            XCTAssertTrue(TokenClaims(aud: aud).audienceIsExchange, aud)
        }
        XCTAssertFalse(TokenClaims(aud: "https://outlook.office365.com.evil.example").audienceIsExchange)
    }

    func testOpaqueTokenHasNoClaims() {
        XCTAssertNil(TokenClaims(jwt: "opaque-token"))
        XCTAssertNil(TokenClaims(jwt: "a.!!!.c"))
        XCTAssertNil(AccessToken(value: "opaque-token", expiresAt: Date()).claims)
    }

    func testAccessTokenNeverShowsValue() {
        let token = AccessToken(value: jwt(#"{"aud":"https://outlook.office365.com"}"#), expiresAt: Date(timeIntervalSince1970: 1_700_000_000))
        var dumped = ""
        dump(token, to: &dumped)
        for text in ["\(token)", String(reflecting: token), dumped] {
            XCTAssertFalse(text.contains(token.value), text)
            XCTAssertTrue(text.contains("<redacted>"), text)
        }
        XCTAssertEqual(token.description, "AccessToken(<redacted>, expires 2023-11-14T22:13:20Z)")
    }

    func testRefusalChecklistNamesTheIDs() {
        let claims = TokenClaims(aud: "https://outlook.office365.com", tid: "T-1", appid: "A-1", oid: "O-1", roles: ["IMAP.AccessAsApp"])
        let text = claims.exchangeRefusalChecklist(mailbox: "archive@example.com")
        for part in ["A-1", "O-1", "T-1", "archive@example.com", "New-ServicePrincipal", "Add-MailboxPermission", "ImapEnabled"] {
            XCTAssertTrue(text.contains(part), part)
        }
        XCTAssertEqual(claims.description, "aud=https://outlook.office365.com tid=T-1 appid=A-1 oid=O-1 roles=[IMAP.AccessAsApp]")
    }
}
