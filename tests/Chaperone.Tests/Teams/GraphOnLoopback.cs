using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Chaperone.Tests.Teams;

/// <summary>
/// Microsoft Graph and Microsoft Entra's token endpoint, stood in by two real HTTP servers on
/// loopback (WireMock.Net): Graph over HTTP at <see cref="GraphBaseUrl"/>, the sign-in authority
/// over HTTPS (MSAL insists) at <see cref="AuthorityHost"/>. Payloads follow Graph's documented
/// shapes. Each test works under its own user (object id), so tests sharing a server never meet.
/// </summary>
public sealed class GraphOnLoopback : IDisposable
{
    public const string TenantId = "11111111-2222-3333-4444-555555555555";
    public const string ClientId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    public const string ClientSecret = "installation-secret-value";

    public static readonly string[] AllRoles =
        ["Calendars.ReadWrite", "OnlineMeetings.ReadWrite.All", "OnlineMeetingArtifact.Read.All", "OnlineMeetingRecording.Read.All", "Files.ReadWrite.All", "User.Read.All"];

    public WireMockServer Server { get; } = WireMockServer.Start();
    public WireMockServer Login { get; } = WireMockServer.Start(new WireMockServerSettings
    {
        UseSSL = true,
        CertificateSettings = new WireMockCertificateSettings { X509Certificate = SelfSigned() },
    });

    public string GraphBaseUrl => Server.Urls[0] + "/v1.0";
    public string AuthorityHost => Login.Urls[0] + "/";

    public GraphOnLoopback()
    {
        ServeTokens(ClientId, AllRoles);
        Login.Given(Request.Create().WithPath(new WildcardMatcher("/*/v2.0/.well-known/openid-configuration")).UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                token_endpoint = $"{Login.Urls[0]}/{TenantId}/oauth2/v2.0/token",
                authorization_endpoint = $"{Login.Urls[0]}/{TenantId}/oauth2/v2.0/authorize",
                issuer = $"{Login.Urls[0]}/{TenantId}/v2.0",
            }));
    }

    /// <summary>Issues app-only tokens to <paramref name="clientId"/> carrying <paramref name="roles"/> (the permissions admin consent granted).</summary>
    public void ServeTokens(string clientId, IEnumerable<string> roles) =>
        Login.Given(Request.Create().WithPath(new WildcardMatcher("/*/oauth2/v2.0/token")).UsingPost().WithBody(new RegexMatcher($"client_id={clientId}")))
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                token_type = "Bearer",
                expires_in = 3599,
                ext_expires_in = 3599,
                access_token = Jwt(new { aud = "https://graph.microsoft.com", tid = TenantId, appid = clientId, roles }),
            }));

    /// <summary>A throwaway certificate for 127.0.0.1 (the machine has no developer certificate).</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private static string Jwt(object payload)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{B64(JsonSerializer.Serialize(payload))}.sig";
    }

    /// <summary>The path under Graph's base URL.</summary>
    public static string P(string path) => "/v1.0" + path;

    /// <summary>An onlineMeeting as Graph returns it, with the given options.</summary>
    public static object OnlineMeeting(string id, string joinUrl, bool safeguarded = true) => new Dictionary<string, object?>
    {
        ["id"] = id,
        ["joinWebUrl"] = joinUrl,
        ["subject"] = "Support session",
        ["allowedPresenters"] = safeguarded ? "organizer" : "everyone",
        ["lobbyBypassSettings"] = new { scope = safeguarded ? "organizer" : "organization", isDialInBypassEnabled = !safeguarded },
        ["allowedLobbyAdmitters"] = "organizerAndCoOrganizers",
        ["allowMeetingChat"] = safeguarded ? "disabled" : "enabled",
        ["shareMeetingChatHistoryDefault"] = "none",
        ["allowParticipantsToChangeName"] = false,
        ["isEntryExitAnnounced"] = true,
        ["recordAutomatically"] = safeguarded,
        ["allowBreakoutRooms"] = false,
    };

    /// <summary>A meeting in the fake Teams: whether its options are the safeguarding ones right now.</summary>
    public sealed class MeetingState
    {
        public bool Safeguarded { get; set; }
    }

    /// <summary>
    /// A user whose calendar makes a Teams meeting: the event (POST), the online meeting found by
    /// its join link, its options (a PATCH makes them the safeguarding ones, unless
    /// <paramref name="keepsOptions"/> is false, as when a Teams meeting policy overrides them),
    /// event PATCH and cancel. All at priority 100, so a test can lay a narrower answer over one.
    /// </summary>
    public (string EventId, string MeetingId, string JoinUrl, MeetingState State) ServeMeeting(string user, bool keepsOptions = true)
    {
        var eventId = "AAMk" + Guid.NewGuid().ToString("N");
        var meetingId = "MSo" + Guid.NewGuid().ToString("N");
        var joinUrl = $"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{Guid.NewGuid():N}%40thread.v2/0";
        var state = new MeetingState();
        Server.Given(Request.Create().WithPath(P($"/users/{user}/events")).UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                id = eventId,
                subject = "Support session",
                isOnlineMeeting = true,
                onlineMeetingProvider = "teamsForBusiness",
                onlineMeeting = new { joinUrl },
            }));
        Server.Given(Request.Create().WithPath(P($"/users/{user}/onlineMeetings")).UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody(_ => JsonSerializer.Serialize(new { value = new[] { OnlineMeeting(meetingId, joinUrl, state.Safeguarded) } })));
        Server.Given(Request.Create().WithPath(P($"/users/{user}/onlineMeetings/{meetingId}")).UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody(_ => JsonSerializer.Serialize(OnlineMeeting(meetingId, joinUrl, state.Safeguarded))));
        Server.Given(Request.Create().WithPath(P($"/users/{user}/onlineMeetings/{meetingId}")).UsingPatch()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody(_ =>
                {
                    state.Safeguarded = keepsOptions;
                    return JsonSerializer.Serialize(OnlineMeeting(meetingId, joinUrl, state.Safeguarded));
                }));
        Server.Given(Request.Create().WithPath(P($"/users/{user}/events/{eventId}")).UsingPatch()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new { id = eventId }));
        Server.Given(Request.Create().WithPath(P($"/users/{user}/events/{eventId}/cancel")).UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(202));
        return (eventId, meetingId, joinUrl, state);
    }

    /// <summary>Answers the first request to a path with 429 and <c>Retry-After</c>, then lets the ordinary answer through.</summary>
    public void ThrottleOnce(string path, string method, int retryAfterSeconds) =>
        Server.Given(Request.Create().WithPath(P(path)).UsingMethod(method)).AtPriority(1)
            .InScenario("throttle " + method + " " + path).WillSetStateTo("throttled")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithHeader("Content-Type", "application/json").WithBodyAsJson(new { error = new { code = "TooManyRequests", message = "Too many requests." } }));

    /// <summary>An attendanceRecord as Graph documents it.</summary>
    public static object Record(string? id, string name, string? email, string role, params (DateTimeOffset Join, DateTimeOffset Leave)[] intervals) => new
    {
        emailAddress = email,
        totalAttendanceInSeconds = intervals.Sum(i => (int)(i.Leave - i.Join).TotalSeconds),
        role,
        identity = new { id, displayName = name, tenantId = (string?)null },
        attendanceIntervals = intervals.Select(i => new
        {
            joinDateTime = i.Join.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            leaveDateTime = i.Leave.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            durationInSeconds = (int)(i.Leave - i.Join).TotalSeconds,
        }).ToArray(),
    };

    /// <summary>The meeting's attendance reports, each with its records (replacing what was served before).</summary>
    public void ServeAttendance(string user, string meetingId, params object[][] reports)
    {
        var basePath = P($"/users/{user}/onlineMeetings/{meetingId}/attendanceReports");
        Server.Given(Request.Create().WithPath(basePath).UsingGet()).AtPriority(100 - reports.Length)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                value = reports.Select((_, i) => new { id = $"report-{i}", totalParticipantCount = 2 }).ToArray(),
            }));
        for (var i = 0; i < reports.Length; i++)
        {
            Server.Given(Request.Create().WithPath($"{basePath}/report-{i}/attendanceRecords").UsingGet()).AtPriority(100 - reports.Length)
                .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new { value = reports[i] }));
        }
    }

    /// <summary>
    /// Teams' recordings of an organizer's meetings as Graph's recordings delta serves them
    /// (<c>getAllRecordings(meetingOrganizerUserId='…',startDateTime=…)/delta</c>): a round with no
    /// token lists every recording created since the start date, <see cref="PageSize"/> a page,
    /// pages joined by <c>@odata.nextLink</c> (<c>$skiptoken</c>); the last page carries the
    /// <c>@odata.deltaLink</c> (<c>$deltatoken</c>), which later lists only recordings published after it.
    /// </summary>
    public sealed class RecordingsDelta(string user, string graphBaseUrl)
    {
        private readonly List<(string Id, string MeetingId, DateTimeOffset Created)> _published = [];
        private readonly Lock _gate = new();

        public int PageSize { get; set; } = 1;

        /// <summary>The link a round's requests go to (the start date is carried in the tokens, as Graph does).</summary>
        public string RoundUrl => $"{graphBaseUrl}/users/{user}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='{user}')/delta";

        public void Publish(string id, string meetingId, DateTimeOffset created)
        {
            lock (_gate)
            {
                _published.Add((id, meetingId, created));
            }
        }

        internal string Page(IDictionary<string, WireMock.Types.WireMockList<string>>? query, string path)
        {
            lock (_gate)
            {
                int from, end;
                DateTimeOffset since;
                if (query?.TryGetValue("$skiptoken", out var skip) == true)
                {
                    (from, end, since) = Decode(skip[0]);
                }
                else if (query?.TryGetValue("$deltatoken", out var delta) == true)
                {
                    (from, _, since) = Decode(delta[0]);
                    end = _published.Count;
                }
                else
                {
                    var start = System.Text.RegularExpressions.Regex.Match(Uri.UnescapeDataString(path), @"startDateTime=([^,)]+)").Groups[1].Value;
                    since = DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture);
                    (from, end) = (0, _published.Count);
                }
                var to = Math.Min(end, from + PageSize);
                var body = new Dictionary<string, object?>
                {
                    ["@odata.context"] = $"{graphBaseUrl}/$metadata#Collection(callRecording)",
                    ["value"] = _published.Skip(from).Take(to - from).Where(r => r.Created >= since).Select(r => new Dictionary<string, object?>
                    {
                        ["@odata.type"] = "#microsoft.graph.callRecording",
                        ["id"] = r.Id,
                        ["meetingId"] = r.MeetingId,
                        ["createdDateTime"] = r.Created.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                        ["recordingContentUrl"] = $"{graphBaseUrl}/users/{user}/onlineMeetings/{r.MeetingId}/recordings/{r.Id}/content",
                        ["meetingOrganizer"] = new { user = new Dictionary<string, object?> { ["@odata.type"] = "#microsoft.graph.teamworkUserIdentity", ["id"] = user, ["userIdentityType"] = "aadUser" } },
                    }).ToArray(),
                };
                if (to < end)
                {
                    body["@odata.nextLink"] = $"{RoundUrl}?$skiptoken={Encode(to, end, since)}";
                }
                else
                {
                    body["@odata.deltaLink"] = $"{RoundUrl}?$deltatoken={Encode(end, end, since)}";
                }
                return JsonSerializer.Serialize(body);
            }
        }

        private static string Encode(int from, int end, DateTimeOffset since) => $"{from}.{end}.{since.ToUnixTimeSeconds()}";

        private static (int, int, DateTimeOffset) Decode(string token)
        {
            var parts = token.Split('.');
            return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private readonly Dictionary<string, RecordingsDelta> _deltas = [];

    /// <summary>The path (a wildcard) of every request to the user's recordings delta.</summary>
    public static string DeltaPath(string user) => P($"/users/{user}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='{user}'*)/delta");

    /// <summary>The user's recordings delta, served from its first use.</summary>
    public RecordingsDelta RecordingsDeltaOf(string user)
    {
        lock (_deltas)
        {
            if (!_deltas.TryGetValue(user, out var delta))
            {
                delta = _deltas[user] = new RecordingsDelta(user, GraphBaseUrl);
                Server.Given(Request.Create().WithPath(new WildcardMatcher(DeltaPath(user))).UsingGet()).AtPriority(100)
                    .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(r => delta.Page(r.Query, r.Path)));
            }
            return delta;
        }
    }

    /// <summary>Teams publishes a recording of the meeting: it appears in the organizer's recordings delta, with its content.</summary>
    public void PublishRecording(string user, string meetingId, string recordingId, byte[] content, DateTimeOffset? created = null)
    {
        Server.Given(Request.Create().WithPath(P($"/users/{user}/onlineMeetings/{meetingId}/recordings/{recordingId}/content")).UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "video/mp4").WithBody(content));
        RecordingsDeltaOf(user).Publish(recordingId, meetingId, created ?? new DateTimeOffset(2026, 12, 3, 10, 0, 30, TimeSpan.Zero));
    }

    /// <summary>Graph has forgotten the sync state behind a delta token: requests carrying it answer 410 Gone.</summary>
    public void ExpireDeltaToken(string user, string deltaToken) =>
        Server.Given(Request.Create().WithPath(new WildcardMatcher(DeltaPath(user))).WithParam("$deltatoken", deltaToken).UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(410).WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                error = new { code = "syncStateNotFound", message = "The sync state generation is not found. Please restart synchronization." },
            }));

    /// <summary>One recording of the meeting with its content, and the organizer's OneDrive holding Teams' copy.</summary>
    public void ServeRecording(string user, string meetingId, string recordingId, byte[] content, string fileName, DateTimeOffset? created = null)
    {
        PublishRecording(user, meetingId, recordingId, content, created);
        var driveId = "b!" + user[..8];
        Server.Given(Request.Create().WithPath(P($"/users/{user}/drive")).UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new { id = driveId, driveType = "business" }));
        Server.Given(Request.Create().WithPath(P($"/drives/{driveId}/items/root:/Recordings:/children")).UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                value = new object[] { new { id = "item-rec", name = fileName }, new { id = "item-other", name = "Staff meeting-20261201_090000-Meeting Recording.mp4" } },
            }));
        Server.Given(Request.Create().WithPath(P($"/drives/{driveId}/items/item-rec")).UsingDelete()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(204));
    }
    /// <summary>Answers the first request to a path with Graph's error, then lets the ordinary answer through.</summary>
    public void RefuseOnce(string path, string method, int status, string code, string message) =>
        Server.Given(Request.Create().WithPath(P(path)).UsingMethod(method)).AtPriority(1)
            .InScenario("refuse " + method + " " + path).WillSetStateTo("refused")
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBodyAsJson(new { error = new { code, message } }));

    /// <summary>Graph's error body (<c>{"error": {"code", "message"}}</c>) at a path.</summary>
    public void ServeError(string path, string method, int status, string code, string message, int priority = 50) =>
        Server.Given(Request.Create().WithPath(P(path)).UsingMethod(method)).AtPriority(priority)
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBodyAsJson(new { error = new { code, message } }));

    /// <summary>The requests Graph received under a user, in order: method, path and body.</summary>
    public IReadOnlyList<(string Method, string Path, string? Body, DateTime At)> Requests(string user) =>
        Server.LogEntries
            .Where(e => e.RequestMessage.Path.Contains($"/users/{user}", StringComparison.Ordinal))
            .OrderBy(e => e.RequestMessage.DateTime)
            .Select(e => (e.RequestMessage.Method, e.RequestMessage.Path, e.RequestMessage.Body, e.RequestMessage.DateTime))
            .ToList();

    public void Dispose()
    {
        Server.Stop();
        Login.Stop();
        Server.Dispose();
        Login.Dispose();
    }
}
