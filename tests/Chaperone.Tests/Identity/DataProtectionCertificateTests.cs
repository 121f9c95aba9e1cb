using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Chaperone.Tests.Identity;

/// <summary>
/// With <c>DataProtection:CertificatePath</c> set, the data protection keys under the data
/// directory are encrypted with that certificate, and what they protect still works; a
/// certificate that cannot be read stops the app at start with a message naming the setting.
/// </summary>
public sealed class DataProtectionCertificateTests : IDisposable
{
    private const string Password = "certificate password";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chaperone-tests", "cert-" + Guid.NewGuid().ToString("N"));
    private readonly string _pfx;

    public DataProtectionCertificateTests()
    {
        Directory.CreateDirectory(_folder);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Chaperone data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _pfx = Path.Combine(_folder, "data-protection.pfx");
        File.WriteAllBytes(_pfx, certificate.Export(X509ContentType.Pkcs12, Password));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task KeysAreEncryptedWithTheCertificateAndSignInStillWorks()
    {
        IAsyncLifetime app = new CertificateApp(_pfx, Password);
        try
        {
            await app.InitializeAsync();
            var chaperone = (ChaperoneApp)app;

            var client = await chaperone.SignInAsync("admin@demo.school");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/auth/me")).StatusCode);

            var keys = Directory.GetFiles(Path.Combine(chaperone.DataDirectory, "keys"), "key-*.xml");
            Assert.NotEmpty(keys);
            Assert.All(keys, k => Assert.Contains("encryptedSecret", File.ReadAllText(k), StringComparison.Ordinal));
            Assert.DoesNotContain(chaperone.Logs.Entries, e => e.Message.Contains("No XML encryptor", StringComparison.Ordinal));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACertificateThatCannotBeReadStopsTheStartNamingTheSetting()
    {
        IAsyncLifetime app = new CertificateApp(_pfx, "not the password");
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(app.InitializeAsync);

            Assert.Contains("DataProtection:CertificatePath", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private sealed class CertificateApp(string path, string password) : ChaperoneApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("DataProtection:CertificatePath", path);
            builder.UseSetting("DataProtection:CertificatePassword", password);
        }
    }
}
