namespace BlueTokens.Functions;

/// <summary>Names the assembly that holds the functions (for LocalHost and tests), without naming a Program.</summary>
public static class FunctionApp;
