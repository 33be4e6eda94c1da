<?php

$arModuleVersion = [
    'VERSION' => '2.0.0',
    'VERSION_DATE' => '2026-11-30 00:00:00',
];
