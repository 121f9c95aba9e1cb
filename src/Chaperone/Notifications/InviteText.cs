using System.Globalization;
using System.Text;

namespace Chaperone.Notifications;

/// <summary>
/// The iCalendar text (RFC 5545) of one session invite, written directly: one VEVENT with a
/// fixed set of properties, the zone's VTIMEZONE block given ready-made. Every booking message
/// carries an invite and the sender writes it for each one, so this avoids building and
/// serialising a calendar object model per message (that took about four fifths of the time to
/// render a booking email). Text values are escaped (§3.3.11), parameter values quoted where
/// they must be (§3.2), and lines folded at 75 octets without splitting a UTF-8 character (§3.1).
/// </summary>
public sealed class InviteText
{
    private readonly StringBuilder _text = new(4096);

    /// <summary>A VCALENDAR with <paramref name="method"/> (REQUEST or CANCEL), the zone block, and one event written by <paramref name="writeEvent"/>.</summary>
    public static string Calendar(string method, string timeZoneBlock, Action<InviteText> writeEvent)
    {
        var invite = new InviteText();
        invite.Line("BEGIN:VCALENDAR").Line("METHOD:" + method).Line("PRODID:-//Chaperone//Session invites//EN").Line("VERSION:2.0");
        invite._text.Append(timeZoneBlock);
        invite.Line("BEGIN:VEVENT");
        writeEvent(invite);
        invite.Line("END:VEVENT").Line("END:VCALENDAR");
        return invite._text.ToString();
    }

    /// <summary>A property with a text value (escaped).</summary>
    public InviteText Text(string name, string value) => Line(name + ":" + Escape(value));

    /// <summary>A property whose value is written as given (a number, a date-time, a URI).</summary>
    public InviteText Raw(string name, string value) => Line(name + ":" + value);

    /// <summary>A UTC date-time, e.g. <c>DTSTAMP:20261130T080000Z</c>.</summary>
    public InviteText Utc(string name, DateTimeOffset at) =>
        Line(name + ":" + at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

    /// <summary>A local date-time in a zone, e.g. <c>DTSTART;TZID=Europe/London:20261203T100000</c>.</summary>
    public InviteText Local(string name, string zoneId, DateTime local) =>
        Line($"{name};TZID={Parameter(zoneId)}:{local.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>A calendar user (ORGANIZER, ATTENDEE) with its common name and further parameters.</summary>
    public InviteText Person(string name, string commonName, string email, string parameters = "") =>
        Line($"{name};CN={Parameter(commonName)}{parameters}:mailto:{email}");

    /// <summary>§3.3.11: backslash, semicolon and comma escaped; a line break becomes <c>\n</c>.</summary>
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length + 16);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\' or ';' or ',':
                    sb.Append('\\').Append(c);
                    break;
                case '\r' when i + 1 < value.Length && value[i + 1] == '\n':
                    break;
                case '\r' or '\n':
                    sb.Append("\\n");
                    break;
                case < ' ' and not '\t':
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>§3.2: a parameter value; quoted when it holds a colon, semicolon or comma (a double quote cannot appear in one, so it becomes a single one).</summary>
    public static string Parameter(string value)
    {
        var clean = new string(value.Where(c => c >= ' ' || c == '\t').Select(c => c == '"' ? '\'' : c).ToArray());
        return clean.AsSpan().IndexOfAny(":;,") >= 0 ? $"\"{clean}\"" : clean;
    }

    /// <summary>Appends one content line, folded (§3.1): at most 75 octets a line, continuation lines starting with a space.</summary>
    private InviteText Line(string line)
    {
        const int Limit = 75;
        var octets = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            var width = char.IsHighSurrogate(c) ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (octets + width > Limit)
            {
                _text.Append("\r\n ");
                octets = 1;
            }
            _text.Append(c);
            if (char.IsHighSurrogate(c) && i + 1 < line.Length)
            {
                _text.Append(line[++i]);
            }
            octets += width;
        }
        _text.Append("\r\n");
        return this;
    }
}
