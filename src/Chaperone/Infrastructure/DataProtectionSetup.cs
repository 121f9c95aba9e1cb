using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chaperone.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Chaperone.Infrastructure;

/// <summary>
/// ASP.NET Core Data Protection, which protects sign-in cookies, API tokens, family links and
/// stored Teams secrets. Its keys are kept under <c>DataDirectory/keys</c> (shared by every
/// instance of an installation). Set <c>DataProtection:CertificatePath</c> (a PKCS#12 file) and
/// <c>DataProtection:CertificatePassword</c> to encrypt the keys at rest with that certificate;
/// without one they are written unencrypted, and the folder's permissions are their only guard.
/// </summary>
public static class DataProtectionSetup
{
    public static IServiceCollection AddChaperoneDataProtection(this IServiceCollection services, IConfiguration configuration, DataDirectory data)
    {
        var protection = services.AddDataProtection().SetApplicationName("Chaperone").PersistKeysToFileSystem(new DirectoryInfo(data.Combine("keys")));
        if (configuration["DataProtection:CertificatePath"] is { Length: > 0 } path)
        {
            protection.ProtectKeysWithCertificate(Load(path, configuration["DataProtection:CertificatePassword"]));
        }
        return services;
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"DataProtection:CertificatePath names '{path}', which could not be read as a PKCS#12 certificate with its password ({e.Message}).", e);
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"The certificate in '{path}' (DataProtection:CertificatePath) has no private key, so the keys it encrypts could not be read back.");
        }
        return certificate;
    }
}
