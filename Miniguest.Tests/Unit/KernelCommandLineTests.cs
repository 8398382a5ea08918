using Miniguest.Libvirt.Guests;

namespace Miniguest.Tests.Unit;

public sealed class KernelCommandLineTests
{
    [Test]
    public void Adds_init_and_serial_console_when_the_guest_names_neither()
    {
        Assert.That(KernelCommandLine.Compose("loglevel=4 panic=-1", "/boot/init"),
            Is.EqualTo("loglevel=4 panic=-1 init=/boot/init console=ttyS0"));
    }

    [Test]
    public void Keeps_the_guests_own_init_and_console()
    {
        Assert.That(KernelCommandLine.Compose("console=hvc0  init=/nix/store/abc-init\n", "/boot/init"),
            Is.EqualTo("console=hvc0 init=/nix/store/abc-init"));
    }

    [Test]
    public void Empty_parameters_give_init_and_console_only()
    {
        Assert.That(KernelCommandLine.Compose("", "/boot/init"), Is.EqualTo("init=/boot/init console=ttyS0"));
    }

    [Test]
    public void A_parameter_that_merely_contains_init_is_not_an_init()
    {
        Assert.That(KernelCommandLine.Compose("rd.init=x", "/boot/init"), Does.Contain(" init=/boot/init"));
    }
}
