// A bare .NET console program: the floor for how fast a published .NET program can start and exit here.
Console.WriteLine("ok");
return 0;
