using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NodaTime;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Small helpers for talking to the API as a client would, and for asserting on its answers.</summary>
public static class Api
{
    public static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    /// <summary>An RFC 3339 time as a client sends it, e.g. 2026-12-02T10:00:00+00:00.</summary>
    public static string Rfc3339(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>The instant of a wall-clock time in Europe/London.</summary>
    public static DateTimeOffset InLondon(int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(London).ToDateTimeOffset().ToUniversalTime();

    /// <summary>The first Monday-to-Friday at <paramref name="hour"/>:00 London time that is at least <paramref name="after"/>.</summary>
    public static DateTimeOffset NextWeekdayAt(DateTimeOffset after, int hour)
    {
        var date = Instant.FromDateTimeOffset(after).InZone(London).Date;
        for (; ; date = date.PlusDays(1))
        {
            if (date.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday)
            {
                continue;
            }
            var candidate = date.At(new LocalTime(hour, 0)).InZoneStrictly(London).ToDateTimeOffset().ToUniversalTime();
            if (candidate >= after)
            {
                return candidate;
            }
        }
    }

    public static HttpClient AnonymousClient(ChaperoneApp app) =>
        app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public static Task<HttpResponseMessage> PostRawAsync(HttpClient client, string url, string body, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(body, Encoding.UTF8, contentType));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and the members API.md promises; returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await JsonAsync(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.True(problem.TryGetProperty("type", out _), "A problem has a type.");
        Assert.True(problem.TryGetProperty("detail", out _), "A problem has a detail.");
        return problem;
    }

    /// <summary>The fields a 400 (or a 404 for ids) names in <c>errors</c>.</summary>
    public static IReadOnlyList<string> ErrorFields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToList() : [];

    public static async Task<IReadOnlyList<string>> BadRequestFieldsAsync(HttpResponseMessage response) =>
        ErrorFields(await ProblemAsync(response, HttpStatusCode.BadRequest));

    /// <summary>The (clause, rule) pairs of a 422.</summary>
    public static async Task<IReadOnlyList<(int Clause, string Rule)>> ViolationsAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        return problem.GetProperty("violations").EnumerateArray()
            .Select(v => (v.GetProperty("clause").GetInt32(), v.GetProperty("rule").GetString()!))
            .ToList();
    }

    public static Task<HttpResponseMessage> RescheduleAsync(HttpClient client, string sessionId, DateTimeOffset start, int durationMinutes = 30) =>
        client.PostAsJsonAsync($"/api/v1/sessions/{sessionId}/reschedule", new { start = Rfc3339(start), durationMinutes });

    public static Task<HttpResponseMessage> CancelAsync(HttpClient client, string sessionId, string? reason = "Teacher unwell") =>
        client.PostAsJsonAsync($"/api/v1/sessions/{sessionId}/cancel", new { reason });
}
