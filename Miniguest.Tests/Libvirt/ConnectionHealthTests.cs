using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>Liveness, keep-alive and the close callback on the test driver, which has no daemon to lose: it
/// accepts a close callback and never calls it, and it has no keep-alive.</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed class ConnectionHealthTests
{
    private const string TestUri = "test:///default";

    [Test]
    public void A_local_connection_is_alive()
    {
        using var connection = Connection.Open(TestUri);
        Assert.That(connection.IsAlive, Is.True);
    }

    [Test]
    public void The_test_driver_does_not_support_keep_alive()
    {
        using var connection = Connection.Open(TestUri);
        var error = Assert.Throws<OperationUnsupportedException>(() => connection.SetKeepAlive(TimeSpan.FromSeconds(5), 3));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Code, Is.EqualTo(ErrorCode.NoSupport));
            Assert.That(error.Message, Does.Contain("virConnectSetKeepAlive"));
        }
    }

    [TestCase(-1_000)]
    [TestCase(1_500)]
    public void Keep_alive_intervals_are_whole_non_negative_seconds(int milliseconds)
    {
        using var connection = Connection.Open(TestUri);
        Assert.Throws<ArgumentOutOfRangeException>(() => connection.SetKeepAlive(TimeSpan.FromMilliseconds(milliseconds), 3));
    }

    [Test]
    public void The_test_driver_takes_a_close_handler_and_never_raises_it()
    {
        var raised = 0;
        CancellationToken lost;
        using (var connection = Connection.Open(TestUri))
        {
            connection.Closed += (_, _) => Interlocked.Increment(ref raised);
            lost = connection.ConnectionLost;
            Assert.That(lost.IsCancellationRequested, Is.False);
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(raised, Is.Zero);
            Assert.That(lost.IsCancellationRequested, Is.False, "disposing is not losing the connection");
        }
    }

    [Test]
    public void A_disposed_connection_takes_no_close_handler()
    {
        var connection = Connection.Open(TestUri);
        connection.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ObjectDisposedException>(() => connection.Closed += (_, _) => { });
            Assert.Throws<ObjectDisposedException>(() => _ = connection.ConnectionLost);
            Assert.That(connection.Dispose, Throws.Nothing, "a second Dispose");
        }
    }

    [Test]
    public void Unregistering_a_close_callback_the_driver_ignored_frees_its_handle()
    {
        using var connection = Connection.Open(TestUri);
        var callback = ConnectionCloseCallback.Register(connection.Handle, _ => { });
        Assert.That(callback.IsReleased, Is.False);
        callback.Unregister(connection.Handle);
        Assert.That(callback.IsReleased, Is.True);
    }

    [Test]
    public void Close_handlers_come_and_go_with_their_connections()
    {
        for (var i = 0; i < 200; i++)
        {
            using var connection = Connection.Open(TestUri);
            connection.Closed += (_, _) => { };
            _ = connection.ConnectionLost;
        }
        using var last = Connection.Open(TestUri);
        Assert.That(last.IsAlive, Is.True);
    }
}
