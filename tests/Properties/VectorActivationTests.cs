using System.Numerics;

namespace Pure.Properties;

/// <summary>A user-defined vector-valued activation whose Jacobian is not symmetric: a cyclic shift of each column.</summary>
public class VectorActivationTests
{
    /// <summary>a_i = z_{(i+1) mod n}: J is a permutation matrix, J^T u moves u_i back to position (i+1) mod n.</summary>
    private record ShiftActivation() : Activation("shift")
    {
        public override bool IsElementwise => false;

        public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows)
        {
            for (int offset = 0; offset < z.Length; offset += rows)
                for (int i = 0; i < rows; i++) a[offset + i] = z[offset + (i + 1) % rows];
        }

        public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
        {
            for (int offset = 0; offset < z.Length; offset += rows)
                for (int i = 0; i < rows; i++) downstream[offset + (i + 1) % rows] = upstream[offset + i];
        }
    }

    private sealed record ShiftWithJvp() : ShiftActivation
    {
        public override void Jvp<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> tangent, Span<T> result, int rows) => Apply(tangent, result, rows);
    }

    private static readonly ImmutableMatrix<double> X = ImmutableMatrix.Create(2, 5, (i, j) => Math.Sin(3 * i + j));
    private static readonly ImmutableMatrix<double> Y = ImmutableMatrix.Create(3, 5, (i, j) => Math.Cos(i - 2 * j));

    private static Network<double> Net(Activation hidden) => Network.Create<double>([2, 3, 3], [hidden, Activation.Tanh], seed: 5);

    [Fact]
    public void Backward_uses_the_jacobian_transpose_of_a_non_symmetric_activation()
    {
        var report = GradientCheck.Run(Net(new ShiftActivation()), X, Y, Loss.Squared);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Jvp_of_a_vector_valued_activation_needs_an_override()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Backprop.Jvp(Net(new ShiftActivation()), X, X));
        Assert.Contains("must override Jvp", error.Message);
    }

    [Fact]
    public void Jvp_and_vjp_are_adjoint_for_a_non_symmetric_activation()
    {
        var network = Net(new ShiftWithJvp());
        var tangent = ImmutableMatrix.Create(2, 5, (i, j) => 1.0 + i - 0.3 * j);
        var cotangent = ImmutableMatrix.Create(3, 5, (i, j) => 0.5 * i - j);
        double forward = Backprop.Jvp(network, X, tangent).Dot(cotangent);
        double backward = tangent.Dot(Backprop.Vjp(network, Backprop.Forward(network, X), cotangent));
        Assert.True(Math.Abs(forward - backward) <= 1e-12 * Math.Max(1, Math.Abs(forward)), $"{forward} vs {backward}");
        // The shift is not symmetric: using Backward in place of Jvp would move values the other way and break the identity.
        var shifted = new double[3];
        new ShiftActivation().Backward<double>(new double[3], new double[3], [1.0, 2.0, 3.0], shifted, 3);
        var applied = new double[3];
        new ShiftActivation().Apply<double>([1.0, 2.0, 3.0], applied, 3);
        Assert.NotEqual(applied, shifted);
    }
}
