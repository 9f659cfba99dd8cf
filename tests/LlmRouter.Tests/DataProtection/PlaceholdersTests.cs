namespace LlmRouter.Tests.DataProtection;

public class PlaceholdersTests
{
    [Fact]
    public void For_SameValue_SamePlaceholderAndNumberedPerKind()
    {
        var placeholders = new Placeholders();

        Assert.Equal("[EMAIL_1]", placeholders.For(SensitiveDataKinds.Email, "a@example.com"));
        Assert.Equal("[EMAIL_2]", placeholders.For(SensitiveDataKinds.Email, "b@example.com"));
        Assert.Equal("[EMAIL_1]", placeholders.For(SensitiveDataKinds.Email, "a@example.com"));
        Assert.Equal("[IP_1]", placeholders.For(SensitiveDataKinds.IpAddress, "10.0.0.1"));
        Assert.Equal("[EMPLOYEE_ID_1]", placeholders.For("Employee-Id", "EMP-1"));
    }

    [Fact]
    public void Restore_Placeholders_PutsTheValuesBack()
    {
        var placeholders = new Placeholders();
        placeholders.For(SensitiveDataKinds.Email, "a@example.com");
        placeholders.For(SensitiveDataKinds.Secret, "p\"w");

        Assert.Equal("to a@example.com [EMAIL_9] [x]", placeholders.Restore("to [EMAIL_1] [EMAIL_9] [x]"));
        Assert.Equal("""{"pw":"p\u0022w"}""", placeholders.Restore("""{"pw":"[SECRET_1]"}""", json: true));
    }

    [Theory]
    [InlineData("Mail [EMA", 5)]
    [InlineData("Mail [EMAIL_1", 5)]
    [InlineData("Mail [EMAIL_1]", 14)]
    [InlineData("a [b", 4)]
    [InlineData("array[0", 7)]
    [InlineData("Mail [EMAIL_1 was", 17)]
    public void Releasable_TextEndingInAPossiblePlaceholder_HoldsBackOnlyThat(string text, int releasable)
    {
        var placeholders = new Placeholders();
        placeholders.For(SensitiveDataKinds.Email, "a@example.com");

        Assert.Equal(releasable, placeholders.Releasable(text));
    }
}
