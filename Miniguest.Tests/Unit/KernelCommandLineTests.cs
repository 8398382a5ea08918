using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class KernelCommandLineTests
{
    [Test]
    public void Adds_init_but_no_console_to_parameters_of_the_guests_own()
    {
        Assert.That(KernelCommandLine.Compose("loglevel=4 panic=-1", "/boot/init"),
            Is.EqualTo("loglevel=4 panic=-1 init=/boot/init"));
    }

    [Test]
    public void A_guest_whose_module_turned_the_serial_console_off_gets_none()
    {
        // boot.miniguest.serialConsole = false: kernel-params holds the init and the system's own parameters only.
        Assert.That(KernelCommandLine.Compose("init=/nix/store/abc-nixos/init loglevel=4", "/boot/init"),
            Is.EqualTo("init=/nix/store/abc-nixos/init loglevel=4"));
    }

    [Test]
    public void A_guest_of_the_original_module_without_parameters_gets_init_and_the_serial_console()
    {
        Assert.That(KernelCommandLine.Compose(null, "/boot/init"), Is.EqualTo("init=/boot/init console=ttyS0"));
    }

    [Test]
    public void Keeps_the_guests_own_init_and_console()
    {
        Assert.That(KernelCommandLine.Compose("console=hvc0  init=/nix/store/abc-init\n", "/boot/init"),
            Is.EqualTo("console=hvc0 init=/nix/store/abc-init"));
    }

    [Test]
    public void Empty_parameters_give_the_init_only()
    {
        Assert.That(KernelCommandLine.Compose("", "/boot/init"), Is.EqualTo("init=/boot/init"));
    }

    [Test]
    public void A_parameter_that_merely_contains_init_is_not_an_init()
    {
        Assert.That(KernelCommandLine.Compose("rd.init=x", "/boot/init"), Does.Contain(" init=/boot/init"));
    }
}
